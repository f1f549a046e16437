"""``LSFProvider``: blocks as IBM Spectrum LSF jobs (``bsub``, ``bjobs -o``, ``bkill``).

``bjobs`` lists finished jobs (DONE, EXIT with the exit code) for ``CLEAN_PERIOD`` (an hour by
default); a job it no longer knows is MISSING.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Dict, Iterator, Mapping, Optional

import attrs

from parsl.errors import ConfigurationError
from parsl.jobs.states import JobState, JobStatus
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.plugins.settings import settings
from parsl.providers.cluster_provider import ClusterProvider
from parsl.providers.scripts import JobFiles, batch_script, plain_path

TEMPLATE = batch_script("""#BSUB -W ${walltime}
#BSUB -J ${jobname}
#BSUB -o ${job_stdout_path}
#BSUB -e ${job_stderr_path}
${scheduler_options}""")

#: bjobs(1) STAT values.
LSF_STATES: Mapping[str, JobState] = {
    "PEND": JobState.PENDING, "WAIT": JobState.PENDING, "PROV": JobState.PENDING,
    "RUN": JobState.RUNNING,
    "PSUSP": JobState.HELD, "USUSP": JobState.HELD, "SSUSP": JobState.HELD,
    "DONE": JobState.COMPLETED,
    "EXIT": JobState.FAILED, "ZOMBI": JobState.FAILED,
    "UNKWN": JobState.UNKNOWN,
}


def walltime_minutes(walltime: str) -> int:
    """``HH:MM:SS`` (or ``MM:SS``, ``SS``) as whole minutes, rounded up, for ``#BSUB -W``."""
    seconds = 0
    for part in walltime.split(":"):
        seconds = seconds * 60 + int(part)
    return math.ceil(seconds / 60)


@settings
class LSFProvider(ClusterProvider):
    """LSF blocks; Parsl's keywords, order and defaults.

    With ``request_by_nodes`` (the default) a block asks for ``nodes_per_block`` nodes
    (``-nnodes``); otherwise for ``cores_per_block`` cores, ``cores_per_node`` per host.
    ``bsub_redirection`` submits with ``bsub < script`` so that ``#BSUB`` lines are read.
    """

    label_name: ClassVar[str] = "LSF"
    template: ClassVar[str] = TEMPLATE
    directives: ClassVar[Mapping[str, str]] = {"project": "#BSUB -P {}", "queue": "#BSUB -q {}"}
    status_command: ClassVar[str] = "bjobs -noheader -o 'jobid stat exit_code' {job_ids}"
    status_id_separator: ClassVar[str] = " "
    cancel_command: ClassVar[str] = "bkill {job_ids}"
    job_id_pattern: ClassVar[str] = r"^Job <(?P<id>\d+)> is submitted"
    state_table: ClassVar[Mapping[str, JobState]] = LSF_STATES
    unknown_job_pattern: ClassVar[Optional[str]] = "is not found"

    nodes_per_block: int = 1
    cores_per_block: Optional[int] = None
    cores_per_node: Optional[int] = None
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 1
    parallelism: float = 1
    walltime: str = "00:10:00"
    scheduler_options: str = ""
    worker_init: str = ""
    project: Optional[str] = None
    queue: Optional[str] = None
    cmd_timeout: int = 120
    bsub_redirection: bool = False
    request_by_nodes: bool = True
    launcher: Launcher = attrs.field(factory=SingleNodeLauncher)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if not self.request_by_nodes:
            if not self.cores_per_block or not self.cores_per_node:
                raise ConfigurationError("LSFProvider(request_by_nodes=False) needs cores_per_block and a "
                                         "non-zero cores_per_node")
            self.nodes_per_block = math.ceil(self.cores_per_block / self.cores_per_node)

    @property
    def submit_command(self) -> str:  # type: ignore[override]
        """``bsub`` reads the script on its stdin with ``bsub_redirection``, else runs its path as a command."""
        return "bsub" if self.bsub_redirection else "bsub {script}"

    def _scheduler_options(self) -> str:
        if self.request_by_nodes:
            size = [f"#BSUB -nnodes {self.nodes_per_block}"]
        else:
            size = [f"#BSUB -n {self.cores_per_block}", f'#BSUB -R "span[ptile={self.cores_per_node}]"']
        return "\n".join([super()._scheduler_options(), *size])

    def _job_config(self, command: str, tasks_per_node: int, files: JobFiles) -> Dict[str, Any]:
        config = super()._job_config(command, tasks_per_node, files)
        if not self.bsub_redirection:  # bsub makes a command line of the path, for a shell on the node
            plain_path(self.label, files.script)
        config["walltime"] = walltime_minutes(self.walltime)
        return config

    def _parse_status(self, stdout: str) -> Iterator[tuple[str, Any]]:
        for line in stdout.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].isdigit():
                yield parts[0], (parts[1], parts[2] if len(parts) > 2 else "-")

    def _reported_status(self, job_id: str, native: Any) -> JobStatus:
        stat, exit_code = native
        status = super()._reported_status(job_id, stat)
        if stat == "EXIT" and exit_code.isdigit():
            status.exit_code = int(exit_code)
            status.message = f"job {job_id} exited with code {exit_code}"
        return status
