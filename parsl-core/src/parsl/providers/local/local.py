"""``LocalProvider``: blocks are process groups on this machine.

Each block's script runs in its own session (process group), with stdout and stderr in files
next to the script, so cancelling a block kills every worker it started and a block that dies
reports its output. Cancelling a block that already ended is not an error.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from typing import Any, ClassVar, Dict, List, Sequence

import attrs

from parsl.jobs.states import JobState, JobStatus
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.plugins.settings import settings
from parsl.providers.base import ExecutionProvider
from parsl.providers.scripts import JobFiles, job_files, write_script
from parsl.providers.shell import kill_process_group

logger = logging.getLogger(__name__)

#: Seconds a cancelled block gets to exit after SIGTERM before its process group is killed.
CANCEL_GRACE = 2.0


@attrs.define(eq=False)
class _LocalJob:
    proc: subprocess.Popen
    files: JobFiles
    cancelled: bool = False


@settings
class LocalProvider(ExecutionProvider):
    """Runs blocks as local processes; Parsl's keywords and defaults."""

    nodes_per_block: int = 1
    launcher: Launcher = attrs.field(factory=SingleNodeLauncher)
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 1
    worker_init: str = ""
    cmd_timeout: int = 30
    parallelism: float = 1

    #: Seconds between status polls (Parsl's value; an instance may set a shorter one).
    polling_interval: ClassVar[float] = 5

    def __attrs_post_init__(self) -> None:
        self.script_dir = None
        self.resources: Dict[str, _LocalJob] = {}

    @property
    def label(self) -> str:
        return "local"

    @property
    def status_polling_interval(self) -> float:
        return self.polling_interval

    def submit(self, command: str, tasks_per_node: int, job_name: str = "parsl.localprovider") -> str:
        """Start the block's script in a new session and return its process id as the job id."""
        files = job_files(self.script_dir, job_name)
        body = self.launcher(command, tasks_per_node, self.nodes_per_block, self.script_dir or "")
        write_script(files.script, f"#!/bin/bash\n{self.worker_init}\nexport JOBNAME={job_name}\n{body}\n")
        with open(files.stdout, "w") as out, open(files.stderr, "w") as err:
            proc = subprocess.Popen(["/bin/bash", files.script], stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, start_new_session=True)
        job_id = str(proc.pid)
        self.resources[job_id] = _LocalJob(proc, files)
        logger.debug("Started block %s as process group %s", job_name, job_id)
        return job_id

    def status(self, job_ids: Sequence[Any]) -> List[JobStatus]:
        return [self._status(str(j)) for j in job_ids]

    def _status(self, job_id: str) -> JobStatus:
        job = self.resources.get(job_id)
        if job is None:
            return JobStatus(JobState.MISSING, f"job {job_id} was not started by this LocalProvider")
        rc = job.proc.poll()
        if job.cancelled:
            state, message = JobState.CANCELLED, None
        elif rc is None:
            state, message = JobState.RUNNING, None
        elif rc == 0:
            state, message = JobState.COMPLETED, None
        else:
            state, message = JobState.FAILED, f"block script exited with code {rc}"
        return JobStatus(state, message, exit_code=rc, stdout_path=job.files.stdout, stderr_path=job.files.stderr)

    def cancel(self, job_ids: Sequence[Any]) -> List[bool]:
        """SIGTERM each block's process group, then SIGKILL what is left after a grace period."""
        jobs = [self.resources.get(str(j)) for j in job_ids]
        running = [job for job in jobs if job is not None and job.proc.poll() is None]
        for job in running:
            job.cancelled = True
            kill_process_group(job.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + CANCEL_GRACE
        for job in running:
            try:
                job.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("Block %s ignored SIGTERM: killing it", job.proc.pid)
        for job in running:
            kill_process_group(job.proc.pid, signal.SIGKILL)  # workers that outlived the script
            job.proc.wait()
        return [job is not None and job in running for job in jobs]
