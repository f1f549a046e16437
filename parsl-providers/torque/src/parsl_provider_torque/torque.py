"""``TorqueProvider``: blocks as TORQUE jobs (``qsub``, ``qstat``, ``qdel``).

TORQUE's ``qstat`` keeps completed jobs (state ``C``) for ``keep_completed`` seconds; a job it no
longer lists is MISSING. The default output has no exit status, so a finished job is COMPLETED.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Mapping, Optional

import attrs

from parsl.jobs.states import JobState
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import AprunLauncher
from parsl.plugins.settings import settings
from parsl.providers.pbs import PBSProvider
from parsl.providers.scripts import batch_script

TEMPLATE = batch_script("""${scheduler_options}
#PBS -S /bin/bash
#PBS -N ${jobname}
#PBS -m n
#PBS -l walltime=${walltime}
#PBS -l nodes=${nodes_per_block}:ppn=${tasks_per_node}
#PBS -o ${job_stdout_path}
#PBS -e ${job_stderr_path}""")

#: qstat(1B) "S" column, TORQUE flavour.
TORQUE_STATES: Mapping[str, JobState] = {
    "Q": JobState.PENDING, "W": JobState.PENDING, "T": JobState.PENDING,
    "R": JobState.RUNNING, "B": JobState.RUNNING, "E": JobState.RUNNING,
    "H": JobState.HELD, "S": JobState.HELD,
    "C": JobState.COMPLETED,
}


@settings
class TorqueProvider(PBSProvider):
    """TORQUE blocks; Parsl's keywords, order and defaults (``AprunLauncher`` by default, as in Parsl)."""

    label_name: ClassVar[str] = "torque"
    template: ClassVar[str] = TEMPLATE
    status_command: ClassVar[str] = "qstat {job_ids}"
    state_table: ClassVar[Mapping[str, JobState]] = TORQUE_STATES

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

    def _parse_status(self, stdout: str) -> Iterator[tuple[str, Any]]:
        """Rows of the default table: Job ID, Name, User, Time Use, S, Queue."""
        for line in stdout.splitlines():
            parts = line.split()
            if len(parts) == 6 and parts[0][0].isdigit():
                yield parts[0], parts[4]
