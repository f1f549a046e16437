"""``ClusterProvider``: one implementation of submit, status and cancel for every batch scheduler.

A scheduler plugin subclasses it as a ``@settings`` class with Parsl's keywords and states,
as class attributes, only what differs between schedulers:

``template``
    the job script, a ``string.Template`` over the values of ``_job_config`` (``$jobname``,
    ``$job_stdout_path``, ``$job_stderr_path``, ``$nodes``, ``$tasks_per_node``, ``$walltime``,
    ``$scheduler_options``, ``$worker_init``, ``$user_script`` and any the plugin adds);
``directives``
    header lines added for the settings that are set, e.g. ``{"partition": "#SBATCH --partition={}"}``;
``submit_command``, ``status_command``, ``cancel_command``
    command templates, run as argument lists without a shell (``parsl.providers.commands``):
    ``{script}`` is the job script (a submit command without it is given the script on its
    stdin, like ``bsub < script``), ``{stdout}`` and ``{stderr}`` the job's output files (for a
    scheduler that takes them as options, not directives), ``{job_ids}`` the ids, one argument
    each when ``status_id_separator`` / ``cancel_id_separator`` is a space, else joined by it in
    one argument; ``_command_options`` adds more (Slurm's ``{clusters}``);
``unknown_job_pattern``
    stderr of a failed status command that means "no such job" rather than "scheduler trouble";
``job_id_pattern``
    a regex whose group ``id`` finds the job id in the submit command's stdout;
``strip_job_id_suffix``
    whether ``123.server`` and ``123`` name the same job in status output (PBS, HTCondor);
``state_table``
    the scheduler's state names mapped onto ``JobState``.

``status`` asks about all unfinished jobs in batches of ``status_batch_size``. A job the
scheduler no longer lists is given ``_finished_status`` (MISSING unless the plugin can find out
more), so a lost block is reported, never waited on. Every command runs with ``cmd_timeout``.

The output paths written into the script's directives go through ``_directive_path``: by default
a path that would need quoting is refused with ``JobPathError``; a plugin whose scheduler's
syntax can quote (verified on the real scheduler) overrides it.

Every command runs, and every job script is put, through the provider's ``channel`` (keyword-only,
``LocalChannel`` by default), so any scheduler plugin works on a remote login node unchanged.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
from string import Template
from typing import Any, ClassVar, Dict, Iterator, List, Mapping, Optional, Sequence, TypedDict

import attrs

from parsl.channels.base import Channel
from parsl.channels.local import LocalChannel
from parsl.jobs.states import JobState, JobStatus
from parsl.launchers.base import Launcher
from parsl.plugins.settings import settings
from parsl.providers.base import ExecutionProvider
from parsl.providers.commands import Value, render_command
from parsl.providers.errors import SchedulerCommandTimeout, SchedulerMissingArgs, SubmitException
from parsl.providers.scripts import JobFiles, job_files, plain_path, write_script
from parsl.providers.shell import Command, CommandResult


@settings
class ChannelSetting:
    """The ``channel`` keyword, shared by every provider that runs commands (keyword-only, last)."""

    channel: Channel = attrs.field(factory=LocalChannel, kw_only=True)

logger = logging.getLogger(__name__)


#: How much of a remote job's stdout/stderr is copied here when it finishes.
FETCHED_OUTPUT_BYTES = 1 << 20


class JobRecord(TypedDict):
    """What a cluster provider keeps of one job, under Parsl's keys (``provider.resources[job_id]``)."""

    job_id: str
    status: JobStatus
    job_stdout_path: Optional[str]
    job_stderr_path: Optional[str]


class ClusterProvider(ExecutionProvider, ChannelSetting):
    """Submits blocks as batch jobs through a scheduler's commands (see the module docstring)."""

    label_name: ClassVar[str] = "cluster"
    template: ClassVar[str] = ""
    directives: ClassVar[Mapping[str, str]] = {}
    submit_command: ClassVar[str] = ""
    status_command: ClassVar[str] = ""
    status_id_separator: ClassVar[str] = ","
    cancel_command: ClassVar[str] = ""
    cancel_id_separator: ClassVar[str] = " "
    job_id_pattern: ClassVar[str] = r"(?P<id>\S+)"
    strip_job_id_suffix: ClassVar[bool] = False
    state_table: ClassVar[Mapping[str, JobState]] = {}
    #: When the status command fails with stderr matching this, the jobs asked about are gone.
    unknown_job_pattern: ClassVar[Optional[str]] = None
    status_batch_size: int = 50
    #: Seconds between status polls (Parsl's value; an instance may set a shorter one).
    polling_interval: ClassVar[float] = 60

    # settings every plugin declares as fields
    nodes_per_block: int
    init_blocks: int
    min_blocks: int
    max_blocks: int
    parallelism: float
    walltime: str
    scheduler_options: str
    worker_init: str
    cmd_timeout: int
    launcher: Launcher

    def __attrs_post_init__(self) -> None:
        self.script_dir = None
        self.resources: Dict[str, JobRecord] = {}

    @property
    def label(self) -> str:
        return self.label_name

    @property
    def status_polling_interval(self) -> float:
        return self.polling_interval

    def execute_wait(self, cmd: Command, timeout: Optional[float] = None,
                     stdin_path: Optional[str] = None) -> CommandResult:
        """Run a scheduler command through the channel, killed after ``cmd_timeout`` seconds."""
        return self.channel.execute_wait(cmd, self.cmd_timeout if timeout is None else timeout, stdin_path)

    def _command(self, template: str, **values: Value) -> List[str]:
        """The argument list of one of the command templates."""
        return render_command(template, {**self._command_options(), **values})

    @staticmethod
    def _ids(job_ids: Sequence[str], separator: str) -> Value:
        """Job ids as separate arguments (a space separator) or joined into one."""
        return list(job_ids) if separator.isspace() else separator.join(job_ids)

    def _run(self, cmd: Command, **kwargs: Any) -> CommandResult:
        """``execute_wait``, whose replacement (a subclass's, a test's mock) may return Parsl's plain tuple."""
        return CommandResult(*self.execute_wait(cmd, **kwargs))

    # -- submit ------------------------------------------------------------------------------

    def submit(self, command: str, tasks_per_node: int, job_name: str = "parsl.auto") -> str:
        """Write the job script, submit it and return the scheduler's job id.

        Raises ``SubmitException`` with the scheduler's stdout and stderr when the submit command
        fails, times out, or prints no job id.
        """
        local = job_files(self.script_dir, job_name)
        files = JobFiles(*map(self.channel.remote_path, local))
        config = self._job_config(command, tasks_per_node, files)
        try:
            script = Template(self.template).substitute(jobname=job_name, **config)
        except KeyError as e:
            raise SchedulerMissingArgs(e.args, self.label) from e
        write_script(local.script, script)
        self.channel.push_file(local.script, files.script)
        cmd = self._command(self.submit_command, script=files.script, stdout=files.stdout, stderr=files.stderr)
        on_stdin = "{script}" not in self.submit_command
        try:
            # stdin_path only when used: an execute_wait written for Parsl takes (cmd, timeout)
            result = self._run(cmd, **({"stdin_path": local.script} if on_stdin else {}))
        except SchedulerCommandTimeout as e:
            raise SubmitException(job_name, f"{e} (cmd_timeout={self.cmd_timeout})",
                                  stdout=e.stdout, stderr=e.stderr) from e
        shown = self.channel.display(cmd) + (f" < {shlex.quote(local.script)}" if on_stdin else "")
        if result.retcode != 0:
            raise SubmitException(job_name, f"{shown!r} failed", stdout=result.stdout, stderr=result.stderr,
                                  retcode=result.retcode)
        job_id = self._parse_job_id(result.stdout)
        if job_id is None:
            raise SubmitException(job_name, f"no job id matching {self.job_id_pattern!r} in the output of {shown!r}",
                                  stdout=result.stdout, stderr=result.stderr, retcode=result.retcode)
        self.resources[job_id] = {"job_id": job_id, "status": JobStatus(JobState.PENDING),
                                  "job_stdout_path": files.stdout, "job_stderr_path": files.stderr}
        logger.info("Submitted %s as %s job %s", job_name, self.label, job_id)
        return job_id

    def _job_config(self, command: str, tasks_per_node: int, files: JobFiles) -> Dict[str, Any]:
        """The values the template is rendered with; plugins extend it."""
        return {
            "submit_script_dir": os.path.dirname(files.script),
            "nodes": self.nodes_per_block,
            "nodes_per_block": self.nodes_per_block,
            "tasks_per_node": tasks_per_node,
            "walltime": self.walltime,
            "scheduler_options": self._scheduler_options(),
            "worker_init": self.worker_init,
            "job_stdout_path": self._directive_path(files.stdout),
            "job_stderr_path": self._directive_path(files.stderr),
            "user_script": self.launcher(command, tasks_per_node, self.nodes_per_block, os.path.dirname(files.script)),
        }

    def _scheduler_options(self) -> str:
        """``scheduler_options`` followed by a directive for each setting that is set."""
        lines = [self.scheduler_options] if self.scheduler_options else []
        for name, line in self.directives.items():
            value = getattr(self, name)
            if value is True:
                lines.append(line)
            elif value not in (None, False, ""):
                lines.append(line.format(value))
        return "\n".join(lines)

    def _directive_path(self, path: str) -> str:
        """``path`` as written into a directive line; ``JobPathError`` if the syntax cannot express it."""
        return plain_path(self.label, path)

    def _command_options(self) -> Dict[str, Value]:
        """Extra values for the command templates (e.g. Slurm's ``--clusters`` option)."""
        return {}

    def _parse_job_id(self, stdout: str) -> Optional[str]:
        for line in stdout.splitlines():
            match = re.search(self.job_id_pattern, line)
            if match:
                return match.group("id")
        return None

    # -- status ------------------------------------------------------------------------------

    def status(self, job_ids: Sequence[Any]) -> List[JobStatus]:
        """The status of each job, asking the scheduler about the unfinished ones in batches."""
        ids = [str(j) for j in job_ids]
        for j in ids:
            self.resources.setdefault(j, {"job_id": j, "status": JobStatus(JobState.UNKNOWN),
                                          "job_stdout_path": None, "job_stderr_path": None})
        active = list(dict.fromkeys(j for j in ids if not self.resources[j]["status"].terminal))
        for start in range(0, len(active), max(1, self.status_batch_size)):
            self._update_status(active[start:start + max(1, self.status_batch_size)])
        return [self.resources[j]["status"] for j in ids]

    def _update_status(self, batch: List[str]) -> None:
        cmd = self._command(self.status_command, job_ids=self._ids(batch, self.status_id_separator))
        try:
            result = self._run(cmd)
        except SchedulerCommandTimeout as e:
            logger.warning("%s; keeping the last known status of jobs %s", e, batch)
            return
        gone = self.unknown_job_pattern is not None and re.search(self.unknown_job_pattern, result.stderr)
        if result.retcode != 0 and not gone:
            logger.warning("%r exited %d (%s); keeping the last known status of jobs %s",
                           self.channel.display(cmd), result.retcode, result.stderr.strip(), batch)
            return
        reported = {self._job_key(j): native for j, native in self._parse_status(result.stdout)}
        for job_id in batch:
            native = reported.get(self._job_key(job_id))
            status = self._finished_status(job_id) if native is None else self._reported_status(job_id, native)
            self._set_status(job_id, status)

    def _job_key(self, job_id: str) -> str:
        """What identifies a job in status output (PBS prints ``123.server`` in several spellings)."""
        return job_id.split(".", 1)[0] if self.strip_job_id_suffix else job_id

    def _parse_status(self, stdout: str) -> Iterator[tuple[str, Any]]:
        """(job id, scheduler state) pairs from the status command's output: two columns by default."""
        for line in stdout.splitlines():
            parts = line.split()
            if len(parts) >= 2:
                yield parts[0], parts[1]

    def _reported_status(self, job_id: str, native: Any) -> JobStatus:
        """The status of a job the scheduler listed in state ``native``."""
        if native in self.state_table:
            return JobStatus(self.state_table[native])
        return JobStatus(JobState.UNKNOWN, f"unknown {self.label} state {native!r}")

    def _finished_status(self, job_id: str) -> JobStatus:
        """The status of a job the scheduler no longer lists."""
        command = shlex.split(self.status_command)[0]
        return JobStatus(JobState.MISSING, f"job {job_id} is no longer known to {self.label} "
                                           f"(not in the output of {command})")

    def _set_status(self, job_id: str, status: JobStatus) -> None:
        record = self.resources[job_id]
        if status.terminal and not isinstance(self.channel, LocalChannel):
            record["job_stdout_path"] = self._fetched(record["job_stdout_path"])
            record["job_stderr_path"] = self._fetched(record["job_stderr_path"])
        status.stdout_path = record["job_stdout_path"]
        status.stderr_path = record["job_stderr_path"]
        record["status"] = status

    def _fetched(self, remote: Optional[str]) -> Optional[str]:
        """A finished job's output file on the channel's host, copied next to its local script.

        Its last ``FETCHED_OUTPUT_BYTES`` only, once: the local path is returned from then on (and
        the remote one while the copy cannot be made), so error messages can quote the job's output.
        """
        if remote is None or self.script_dir is None or os.path.dirname(remote) == self.script_dir:
            return remote
        try:
            result = self.channel.execute_wait(f"tail -c {FETCHED_OUTPUT_BYTES} -- {shlex.quote(remote)}")
        except SchedulerCommandTimeout as e:
            logger.warning("Not fetching %s: %s", remote, e)
            return remote
        if result.retcode != 0:
            logger.debug("Not fetching %s: %s", remote, result.stderr.strip())
            return remote
        local = os.path.join(self.script_dir, os.path.basename(remote))
        with open(local, "w") as f:
            f.write(result.stdout)
        return local

    # -- cancel ------------------------------------------------------------------------------

    def cancel(self, job_ids: Sequence[Any]) -> List[bool]:
        """Cancel the jobs with one scheduler command; every job's result is that command's success."""
        ids = [str(j) for j in job_ids]
        if not ids:
            return []
        cmd = self._command(self.cancel_command, job_ids=self._ids(ids, self.cancel_id_separator))
        try:
            result = self._run(cmd)
        except SchedulerCommandTimeout as e:
            logger.warning("%s", e)
            return [False] * len(ids)
        if result.retcode != 0:
            logger.warning("%r exited %d: %s", self.channel.display(cmd), result.retcode, result.stderr.strip())
            return [False] * len(ids)
        for j in ids:
            if j in self.resources:
                self._set_status(j, JobStatus(JobState.CANCELLED))
        return [True] * len(ids)
