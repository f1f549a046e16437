"""``AdHocProvider``: blocks on a fixed list of plain hosts (no scheduler), one block per channel.

A block is the job script started in its own session on the least-loaded host, its stdout and
stderr in files next to the script and its exit code written to ``<script>.ec`` when it ends.
Status asks every host about its blocks in one command; cancel kills each block's session. A
host that cannot be reached keeps its blocks' last known state (logged), so the other hosts'
blocks are unaffected.
"""

from __future__ import annotations

import logging
import shlex
from typing import Any, ClassVar, Dict, List, Sequence

import attrs

from parsl.channels.base import Channel
from parsl.channels.errors import ChannelError
from parsl.jobs.states import JobState, JobStatus
from parsl.launchers.launchers import SimpleLauncher
from parsl.plugins.settings import settings
from parsl.providers.base import ExecutionProvider
from parsl.providers.errors import SchedulerCommandTimeout, SubmitException
from parsl.providers.scripts import JobFiles, job_files, write_script

logger = logging.getLogger(__name__)

#: Appended to a block's script path: the file its exit code is written to.
_EXIT_SUFFIX = ".ec"

#: What the status command prints for a block whose session is gone and left no exit code.
_GONE = "gone"


@attrs.define(eq=False)
class _AdHocJob:
    channel: Channel
    pid: str
    files: JobFiles
    status: JobStatus = attrs.field(factory=lambda: JobStatus(JobState.RUNNING))


@settings
class AdHocProvider(ExecutionProvider):
    """Parsl's keywords: ``channels`` (one block each), ``worker_init``, ``cmd_timeout``, ``parallelism``."""

    channels: List[Channel] = attrs.field(factory=list)
    worker_init: str = ""
    cmd_timeout: int = 30
    parallelism: float = 1

    polling_interval: ClassVar[float] = 5

    def __attrs_post_init__(self) -> None:
        if not self.channels:
            raise ValueError("AdHocProvider.channels: give at least one channel (one block runs on each)")
        self.script_dir = None
        self.nodes_per_block = 1
        self.init_blocks = self.min_blocks = self.max_blocks = len(self.channels)
        self.launcher = SimpleLauncher()
        self.resources: Dict[str, _AdHocJob] = {}

    @property
    def label(self) -> str:
        return "ad-hoc"

    @property
    def status_polling_interval(self) -> float:
        return self.polling_interval

    def _by_load(self) -> List[Channel]:
        """The channels, those running the fewest blocks first."""
        running = {id(c): 0 for c in self.channels}
        for job in self.resources.values():
            if not job.status.terminal:
                running[id(job.channel)] += 1
        return sorted(self.channels, key=lambda c: running[id(c)])

    def submit(self, command: str, tasks_per_node: int, job_name: str = "parsl.adhoc") -> str:
        """Start the block on the least-loaded host that answers; the job id is ``host:pid``."""
        local = job_files(self.script_dir, job_name)
        body = self.launcher(command, tasks_per_node, 1)
        write_script(local.script, f"#!/bin/sh\n{self.worker_init}\nexport JOBNAME={job_name}\n{body}\n")
        failures = []
        for channel in self._by_load():
            try:
                return self._start(channel, local, job_name)
            except (ChannelError, SchedulerCommandTimeout) as e:
                logger.warning("cannot start block %s on %s: %s", job_name, channel.hostname, e)
                failures.append(str(e))
        raise SubmitException(job_name, "no host could start the block: " + "; ".join(failures),
                              stderr="\n".join(failures))

    def _start(self, channel: Channel, local: JobFiles, job_name: str) -> str:
        files = JobFiles(*map(channel.remote_path, local))
        channel.push_file(local.script, files.script)
        q = {name: shlex.quote(path) for name, path in files._asdict().items()}
        inner = f"sh {q['script']} > {q['stdout']} 2> {q['stderr']}; echo $? > {q['script']}{_EXIT_SUFFIX}"
        result = channel.execute_wait(f"setsid sh -c {shlex.quote(inner)} < /dev/null > /dev/null 2>&1 & echo $!",
                                      self.cmd_timeout)
        pid = result.stdout.strip()
        if result.retcode != 0 or not pid.isdigit():
            raise SubmitException(job_name, f"starting the block on {channel.hostname} failed",
                                  stdout=result.stdout, stderr=result.stderr, retcode=result.retcode)
        job_id = f"{channel.hostname}:{pid}"
        self.resources[job_id] = _AdHocJob(channel, pid, files)
        logger.info("Started block %s on %s as session %s", job_name, channel.hostname, pid)
        return job_id

    def status(self, job_ids: Sequence[Any]) -> List[JobStatus]:
        """Ask each host once about its unfinished blocks."""
        ids = [str(j) for j in job_ids]
        for channel in self.channels:
            jobs = [self.resources[j] for j in ids if j in self.resources
                    and self.resources[j].channel is channel and not self.resources[j].status.terminal]
            if jobs:
                self._update(channel, jobs)
        return [self.resources[j].status if j in self.resources
                else JobStatus(JobState.MISSING, f"job {j} was not started by this provider") for j in ids]

    def _update(self, channel: Channel, jobs: List[_AdHocJob]) -> None:
        checks = "".join(
            f"if kill -0 {job.pid} 2>/dev/null; then echo {job.pid} running; "
            f"elif [ -f {_exit_file(job)} ]; then echo {job.pid} $(cat {_exit_file(job)}); "
            f"else echo {job.pid} {_GONE}; fi; " for job in jobs)
        try:
            result = channel.execute_wait(checks, self.cmd_timeout)
        except (ChannelError, SchedulerCommandTimeout) as e:
            logger.warning("%s; keeping the last known status of its blocks", e)
            return
        states = dict(line.split(maxsplit=1) for line in result.stdout.splitlines() if " " in line)
        for job in jobs:
            job.status = self._status(channel, job, states.get(job.pid, _GONE))

    @staticmethod
    def _status(channel: Channel, job: _AdHocJob, state: str) -> JobStatus:
        if state == "running":
            status = JobStatus(JobState.RUNNING)
        elif state == "0":
            status = JobStatus(JobState.COMPLETED)
        elif state.isdigit():
            status = JobStatus(JobState.FAILED, f"block exited with code {state} on {channel.hostname}",
                               exit_code=int(state))
        else:
            status = JobStatus(JobState.MISSING, f"block session {job.pid} on {channel.hostname} is gone "
                                                 f"without an exit code")
        status.stdout_path, status.stderr_path = job.files.stdout, job.files.stderr
        return status

    def cancel(self, job_ids: Sequence[Any]) -> List[bool]:
        """Kill each block's session (SIGTERM to its process group); an ended block counts as cancelled."""
        results = []
        for j in (str(j) for j in job_ids):
            job = self.resources.get(j)
            if job is None:
                results.append(False)
                continue
            try:
                result = job.channel.execute_wait(f"kill -TERM -- -{job.pid} 2>/dev/null; true", self.cmd_timeout)
            except (ChannelError, SchedulerCommandTimeout) as e:
                logger.warning("cancelling %s: %s", j, e)
                results.append(False)
                continue
            job.status = JobStatus(JobState.CANCELLED)
            results.append(result.retcode == 0)
        return results


def _exit_file(job: _AdHocJob) -> str:
    return shlex.quote(job.files.script + _EXIT_SUFFIX)
