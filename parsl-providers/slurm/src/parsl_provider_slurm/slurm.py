"""``SlurmProvider``: blocks as Slurm jobs (``sbatch``, ``squeue --states=all``, ``scancel``).

Status comes from ``squeue``, which lists finished jobs for ``MinJobAge`` seconds (300 by
default) with their final state (CD, F, TO, CA...), so accounting (``sacct``) is not needed.
A job ``squeue`` no longer knows is reported MISSING.

Output paths with spaces, quotes, backslashes or ``%`` reach Slurm intact: ``#SBATCH`` lines take
double-quoted values with backslash escapes, and a backslash in a filename pattern makes
``%`` literal (checked against a real slurmctld, 22.05).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Dict, Iterator, Mapping, Optional

import attrs

from parsl.jobs.states import JobState, JobStatus
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.plugins.settings import settings
from parsl.providers.cluster_provider import ClusterProvider
from parsl.providers.commands import Value
from parsl.providers.scripts import JobFiles, quoted_path
from parsl_provider_slurm.template import template_string

#: squeue's compact state codes (squeue(1), "JOB STATE CODES").
SQUEUE_STATES: Mapping[str, JobState] = {
    "PD": JobState.PENDING, "CF": JobState.PENDING, "RQ": JobState.PENDING, "RF": JobState.PENDING,
    "RH": JobState.PENDING,
    "R": JobState.RUNNING, "CG": JobState.RUNNING, "SO": JobState.RUNNING, "SI": JobState.RUNNING,
    "RS": JobState.RUNNING,
    "S": JobState.HELD, "ST": JobState.HELD, "RD": JobState.HELD,
    "CD": JobState.COMPLETED,
    "CA": JobState.CANCELLED,
    "F": JobState.FAILED, "NF": JobState.FAILED, "BF": JobState.FAILED, "OOM": JobState.FAILED,
    "RV": JobState.FAILED, "SE": JobState.FAILED,
    "TO": JobState.TIMEOUT, "DL": JobState.TIMEOUT, "PR": JobState.TIMEOUT,
}


@settings
class SlurmProvider(ClusterProvider):
    """Slurm blocks; Parsl's keywords, order and defaults.

    ``exclusive=True`` (Parsl's default) asks for whole nodes; ``mem_per_node`` (GB) and
    ``cores_per_node`` become ``--mem`` and ``--cpus-per-task`` and are exported to the workers
    as ``PARSL_MEMORY_GB`` and ``PARSL_CORES``.
    """

    label_name: ClassVar[str] = "slurm"
    template: ClassVar[str] = template_string
    directives: ClassVar[Mapping[str, str]] = {
        "exclusive": "#SBATCH --exclusive",
        "partition": "#SBATCH --partition={}",
        "account": "#SBATCH --account={}",
        "qos": "#SBATCH --qos={}",
        "constraint": "#SBATCH --constraint={}",
        "clusters": "#SBATCH --clusters={}",
        "gpus_per_node": "#SBATCH --gpus-per-node={}",
        "gres": "#SBATCH --gres={}",
    }
    submit_command: ClassVar[str] = "sbatch {clusters} {script}"
    status_command: ClassVar[str] = "squeue {clusters} --noheader --states=all --format='%i %t %r' --jobs={job_ids}"
    cancel_command: ClassVar[str] = "scancel {clusters} {job_ids}"
    state_table: ClassVar[Mapping[str, JobState]] = SQUEUE_STATES
    unknown_job_pattern: ClassVar[Optional[str]] = "Invalid job id specified"

    partition: Optional[str] = None
    account: Optional[str] = None
    qos: Optional[str] = None
    constraint: Optional[str] = None
    clusters: Optional[str] = None
    nodes_per_block: int = 1
    cores_per_node: Optional[int] = None
    mem_per_node: Optional[int] = None
    gpus_per_node: Optional[int] = None
    gres: Optional[str] = None
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 1
    parallelism: float = 1
    walltime: str = "00:10:00"
    scheduler_options: str = ""
    regex_job_id: str = r"Submitted batch job (?P<id>\S*)"
    worker_init: str = ""
    cmd_timeout: int = 10
    status_batch_size: int = 50
    exclusive: bool = True
    launcher: Launcher = attrs.field(factory=SingleNodeLauncher)

    @property
    def job_id_pattern(self) -> str:  # type: ignore[override]
        return self.regex_job_id

    def _parse_status(self, stdout: str) -> Iterator[tuple[str, Any]]:
        """``squeue`` rows: job id, state code, reason (why it waits, or why it ended)."""
        for line in stdout.splitlines():
            parts = line.split(maxsplit=2)
            if len(parts) >= 2 and parts[0][0].isdigit():
                yield parts[0], (parts[1], parts[2] if len(parts) > 2 else "None")

    def _reported_status(self, job_id: str, native: Any) -> JobStatus:
        code, reason = native
        status = super()._reported_status(job_id, code)
        if status.state in (JobState.FAILED, JobState.TIMEOUT) and reason != "None":
            status.message = f"slurm job {job_id} ended {code}: {reason}"
        return status

    def _command_options(self) -> Dict[str, Value]:
        return {"clusters": [f"--clusters={self.clusters}"] if self.clusters else []}

    def _directive_path(self, path: str) -> str:
        """A filename pattern whose ``%`` and ``\\`` are literal, double-quoted if it needs it."""
        pattern = path.replace("\\", "\\\\").replace("%", "\\%")
        return quoted_path(self.label, pattern, backslash_escapes=True)

    def _job_config(self, command: str, tasks_per_node: int, files: JobFiles) -> Dict[str, Any]:
        config = super()._job_config(command, tasks_per_node, files)
        extra_options, exports = [], []
        if self.mem_per_node is not None:
            extra_options.append(f"#SBATCH --mem={self.mem_per_node}g")
            exports.append(f"export PARSL_MEMORY_GB={self.mem_per_node}")
        if self.cores_per_node is not None:
            cpus_per_task = math.floor(self.cores_per_node / tasks_per_node)
            extra_options.append(f"#SBATCH --cpus-per-task={cpus_per_task}")
            exports.append(f"export PARSL_CORES={cpus_per_task}")
        config["scheduler_options"] = "\n".join([config["scheduler_options"], *extra_options])
        config["worker_init"] = "\n".join([config["worker_init"], *exports])
        return config
