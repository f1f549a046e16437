"""``CobaltProvider``: blocks as Cobalt jobs (``qsub -n -t``, ``qstat``, ``qdel``).

Cobalt, ALCF's scheduler on Theta and Cooley, takes the block's size, walltime (in minutes),
queue and project as ``qsub`` options rather than script directives, and prints the bare job
number. ``qstat`` lists only jobs that are queued, held or running, so a block it no longer lists
is MISSING: Cobalt's default output has no exit status.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Dict, Iterator, Mapping, Optional

import attrs

from parsl.jobs.states import JobState
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import AprunLauncher
from parsl.plugins.settings import settings
from parsl.providers.cluster_provider import ClusterProvider
from parsl.providers.commands import Value
from parsl.providers.scripts import batch_script
from parsl.utils import wtime_to_minutes

TEMPLATE = batch_script("${scheduler_options}")

#: Cobalt job states as ``qstat`` prints them (lower case); Parsl mapped exiting jobs to COMPLETED.
COBALT_STATES: Mapping[str, JobState] = {
    "queued": JobState.PENDING, "starting": JobState.PENDING,
    "user_hold": JobState.HELD, "admin_hold": JobState.HELD, "dep_hold": JobState.HELD,
    "maxrun_hold": JobState.HELD,
    "running": JobState.RUNNING,
    "exiting": JobState.COMPLETED,
    "killing": JobState.CANCELLED,
    "dep_fail": JobState.FAILED,
}


def _hh_mm_ss(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    """Cobalt takes whole minutes: refuse at construction a walltime that is not ``HH:MM:SS``."""
    if not re.fullmatch(r"\d+:[0-5]?\d:[0-5]?\d", value):
        raise ValueError(f"{attribute.name}={value!r}: expected HH:MM:SS, e.g. '00:10:00'")


@settings
class CobaltProvider(ClusterProvider):
    """Cobalt blocks; the keywords, order and defaults of Parsl's last CobaltProvider (2024.10.21).

    Parsl's first keyword, ``channel``, is keyword-only here, as on every ``ClusterProvider``.
    """

    label_name: ClassVar[str] = "cobalt"
    template: ClassVar[str] = TEMPLATE
    submit_command: ClassVar[str] = "qsub -n {nodes} -t {minutes} {queue} {account} -o {stdout} -e {stderr} {script}"
    status_command: ClassVar[str] = "qstat {job_ids}"
    status_id_separator: ClassVar[str] = " "
    cancel_command: ClassVar[str] = "qdel {job_ids}"
    job_id_pattern: ClassVar[str] = r"^\s*(?P<id>\d+)\s*$"
    state_table: ClassVar[Mapping[str, JobState]] = COBALT_STATES

    nodes_per_block: int = 1
    init_blocks: int = 0
    min_blocks: int = 0
    max_blocks: int = 1
    parallelism: float = 1
    walltime: str = attrs.field(default="00:10:00", validator=_hh_mm_ss)
    account: Optional[str] = None
    queue: Optional[str] = None
    scheduler_options: str = ""
    worker_init: str = ""
    launcher: Launcher = attrs.field(factory=AprunLauncher)
    cmd_timeout: int = 10

    def _command_options(self) -> Dict[str, Value]:
        return {
            "nodes": str(self.nodes_per_block),
            "minutes": str(wtime_to_minutes(self.walltime)),
            "queue": ["-q", self.queue] if self.queue else [],
            "account": ["-A", self.account] if self.account else [],
        }

    def _parse_status(self, stdout: str) -> Iterator[tuple[str, Any]]:
        """Rows of the default table: JobID, User, WallTime, Nodes, State, Location."""
        for line in stdout.splitlines():
            parts = line.split()
            if len(parts) >= 5 and parts[0].isdigit():
                yield parts[0], parts[4].lower()
