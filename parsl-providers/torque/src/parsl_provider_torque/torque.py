"""``TorqueProvider``: blocks as TORQUE jobs (``qsub``, ``qstat``, ``qdel``).

TORQUE's ``qstat`` keeps completed jobs (state ``C``) for ``keep_completed`` seconds; a job it no
longer lists is MISSING. The default output has no exit status, so a finished job is COMPLETED.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Iterator, Mapping, Optional

import attrs

from parsl.jobs.states import JobState
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import AprunLauncher
from parsl.plugins.settings import settings
from parsl.providers.cluster_provider import ClusterProvider
from parsl.providers.scripts import JobFiles

TEMPLATE = """#!/bin/bash
${scheduler_options}
#PBS -S /bin/bash
#PBS -N ${jobname}
#PBS -m n
#PBS -l walltime=${walltime}
#PBS -l nodes=${nodes_per_block}:ppn=${tasks_per_node}
#PBS -o ${job_stdout_path}
#PBS -e ${job_stderr_path}

${worker_init}

export JOBNAME="${jobname}"

${user_script}
"""

#: qstat(1B) "S" column, TORQUE flavour.
TORQUE_STATES: Mapping[str, JobState] = {
    "Q": JobState.PENDING, "W": JobState.PENDING, "T": JobState.PENDING,
    "R": JobState.RUNNING, "B": JobState.RUNNING, "E": JobState.RUNNING,
    "H": JobState.HELD, "S": JobState.HELD,
    "C": JobState.COMPLETED,
}


@settings
class TorqueProvider(ClusterProvider):
    """TORQUE blocks; Parsl's keywords, order and defaults (``AprunLauncher`` by default, as in Parsl)."""

    label_name: ClassVar[str] = "torque"
    template: ClassVar[str] = TEMPLATE
    directives: ClassVar[Mapping[str, str]] = {"queue": "#PBS -q {}", "account": "#PBS -A {}"}
    submit_command: ClassVar[str] = "qsub {script}"
    status_command: ClassVar[str] = "qstat {job_ids}"
    status_id_separator: ClassVar[str] = " "
    cancel_command: ClassVar[str] = "qdel {job_ids}"
    job_id_pattern: ClassVar[str] = r"^(?P<id>\d+(\.\S+)?)\s*$"
    state_table: ClassVar[Mapping[str, JobState]] = TORQUE_STATES
    unknown_job_pattern: ClassVar[Optional[str]] = "Unknown Job Id"

    account: Optional[str] = None
    queue: Optional[str] = None
    scheduler_options: str = ""
    worker_init: str = ""
    nodes_per_block: int = 1
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 1
    parallelism: float = 1
    launcher: Launcher = attrs.field(factory=AprunLauncher)
    walltime: str = "00:20:00"
    cmd_timeout: int = 120

    def _job_config(self, command: str, tasks_per_node: int, files: JobFiles) -> Dict[str, Any]:
        config = super()._job_config(command, tasks_per_node, files)
        config["nodes_per_block"] = self.nodes_per_block
        return config

    def _job_key(self, job_id: str) -> str:
        return job_id.split(".", 1)[0]

    def _parse_status(self, stdout: str) -> Iterator[tuple[str, Any]]:
        """Rows of the default table: Job ID, Name, User, Time Use, S, Queue."""
        for line in stdout.splitlines():
            parts = line.split()
            if len(parts) == 6 and parts[0][0].isdigit():
                yield parts[0], parts[4]
