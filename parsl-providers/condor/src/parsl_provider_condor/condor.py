"""``CondorProvider``: blocks as HTCondor vanilla-universe jobs (``condor_submit``, ``condor_q``, ``condor_rm``).

Each block is two files: a bash job script (``worker_init`` and the launcher-wrapped command),
transferred to the execute node, and the submit description that runs it. Jobs stay in the
queue after they end (``leave_in_queue``), so ``condor_q`` reports how each ended, with
``ExitCode``; a held job is reported FAILED with its ``HoldReason``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Iterator, List, Mapping, Optional

import attrs

from parsl.jobs.states import JobState, JobStatus
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.plugins.settings import settings
from parsl.providers.cluster_provider import ClusterProvider
from parsl.providers.scripts import JobFiles, write_script

TEMPLATE = """universe                = vanilla
should_transfer_files   = YES
when_to_transfer_output = ON_EXIT_OR_EVICT
transfer_executable     = false
transfer_input_files    = ${input_files}
machine_count           = ${nodes}
output                  = ${job_stdout_path}
error                   = ${job_stderr_path}
log                     = ${job_log_path}
executable              = /bin/bash
arguments               = ${job_script}
requirements            = ${requirements}
+projectname            = ${project}
leave_in_queue          = TRUE
environment             = "${environment}"
${scheduler_options}

queue
"""

#: The JobStatus ClassAd attribute's values (HTCondor manual, "Job ClassAd Attributes").
CONDOR_STATES: Mapping[str, JobState] = {
    "1": JobState.PENDING,    # Idle
    "2": JobState.RUNNING,    # Running
    "3": JobState.CANCELLED,  # Removed
    "4": JobState.COMPLETED,  # Completed (ExitCode decides whether it failed)
    "5": JobState.FAILED,     # Held: it will not run until released
    "6": JobState.RUNNING,    # Transferring output
    "7": JobState.HELD,       # Suspended
}


@settings
class CondorProvider(ClusterProvider):
    """HTCondor blocks; Parsl's keywords, order and defaults. ``cmd_chunk_size`` is the status batch."""

    label_name: ClassVar[str] = "condor"
    template: ClassVar[str] = TEMPLATE
    submit_command: ClassVar[str] = "condor_submit {script}"
    status_command: ClassVar[str] = "condor_q {job_ids} -af:jr JobStatus ExitCode HoldReason"
    status_id_separator: ClassVar[str] = " "
    cancel_command: ClassVar[str] = "condor_rm {job_ids}"
    job_id_pattern: ClassVar[str] = r"submitted to cluster (?P<id>\d+)"
    state_table: ClassVar[Mapping[str, JobState]] = CONDOR_STATES
    strip_job_id_suffix: ClassVar[bool] = True

    nodes_per_block: int = 1
    cores_per_slot: Optional[int] = None
    mem_per_slot: Optional[float] = None
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 1
    parallelism: float = 1
    environment: Optional[Dict[str, str]] = None
    project: str = ""
    scheduler_options: str = ""
    transfer_input_files: List[str] = attrs.field(factory=list)
    walltime: str = "00:10:00"
    worker_init: str = ""
    launcher: Launcher = attrs.field(factory=SingleNodeLauncher)
    requirements: str = ""
    cmd_timeout: int = 60
    cmd_chunk_size: int = 100

    @property
    def status_batch_size(self) -> int:  # type: ignore[override]
        return self.cmd_chunk_size

    @property
    def cores_per_node(self) -> Optional[int]:  # type: ignore[override]
        """To Parsl, a Condor slot is a node."""
        return self.cores_per_slot

    @property
    def mem_per_node(self) -> Optional[float]:  # type: ignore[override]
        return self.mem_per_slot

    def _job_config(self, command: str, tasks_per_node: int, files: JobFiles) -> Dict[str, Any]:
        config = super()._job_config(command, tasks_per_node, files)
        options, exports = [config["scheduler_options"]], [config["worker_init"]]
        if self.mem_per_slot is not None:
            options.append(f"RequestMemory = {self.mem_per_slot * 1024:g}")
            exports.append(f"export PARSL_MEMORY_GB={self.mem_per_slot:g}")
        if self.cores_per_slot is not None:
            options.append(f"RequestCpus = {self.cores_per_slot}")
            exports.append(f"export PARSL_CORES={self.cores_per_slot}")
        job_script = files.script[: -len(".submit")] + ".sh"
        write_script(job_script, "\n".join(exports) + "\n" + config["user_script"] + "\n")
        job_name = files.script.rsplit("/", 1)[-1][: -len(".submit")]
        environment = {**(self.environment or {}), "JOBNAME": job_name}
        config.update(
            scheduler_options="\n".join(o for o in options if o),
            input_files=",".join([self._directive_path(job_script), *self.transfer_input_files]),
            job_script=job_script.rsplit("/", 1)[-1],
            job_log_path=self._directive_path(files.script[: -len(".submit")] + ".log"),
            requirements=self.requirements,
            project=self.project,
            environment=" ".join(f"{k}={_quote(v)}" for k, v in environment.items()),
        )
        return config

    def _parse_status(self, stdout: str) -> Iterator[tuple[str, Any]]:
        """``condor_q -af:jr`` rows: ``cluster.proc JobStatus ExitCode HoldReason...``."""
        for line in stdout.splitlines():
            parts = line.split(maxsplit=3)
            if len(parts) >= 2 and parts[0][0].isdigit():
                yield parts[0], (parts[1], parts[2] if len(parts) > 2 else "undefined",
                                 parts[3] if len(parts) > 3 else "undefined")

    def _reported_status(self, job_id: str, native: Any) -> JobStatus:
        job_status, exit_code, hold_reason = native
        if job_status == "4" and exit_code not in ("0", "undefined"):
            return JobStatus(JobState.FAILED, f"job {job_id} exited with code {exit_code}", exit_code=int(exit_code))
        if job_status == "5":
            return JobStatus(JobState.FAILED, f"job {job_id} is held: {hold_reason.strip(chr(34))}")
        status = super()._reported_status(job_id, job_status)
        if job_status == "4":
            status.exit_code = 0
        return status


def _quote(value: str) -> str:
    """A value in the submit description's ``environment = "..."`` syntax (quotes doubled)."""
    return "'" + str(value).replace("'", "''").replace('"', '""') + "'"
