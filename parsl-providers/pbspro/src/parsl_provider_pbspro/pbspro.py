"""``PBSProProvider``: blocks as PBS Professional / OpenPBS jobs (``qsub``, ``qstat -x -f -F json``, ``qdel``).

``qstat -x`` also lists finished jobs (state ``F``) with their ``Exit_status``, so a block's
end is reported as it happened: completed, failed (with the exit code), killed at its walltime
or deleted.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Dict, Iterator, Mapping, Optional

import attrs

from parsl.jobs.states import JobState, JobStatus
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.plugins.settings import settings
from parsl.providers.pbs import PBSProvider
from parsl.providers.scripts import JobFiles, batch_script

TEMPLATE = batch_script("""#PBS -S /bin/bash
#PBS -N ${jobname}
#PBS -m n
#PBS -l walltime=${walltime}
#PBS -l select=${nodes_per_block}:ncpus=${ncpus}${select_options}
#PBS -o ${job_stdout_path}
#PBS -e ${job_stderr_path}
${scheduler_options}""")

#: qstat(1B) job states; ``F`` (finished) is resolved from ``Exit_status``.
PBS_STATES: Mapping[str, JobState] = {
    "Q": JobState.PENDING, "W": JobState.PENDING, "T": JobState.PENDING, "M": JobState.PENDING,
    "R": JobState.RUNNING, "B": JobState.RUNNING, "E": JobState.RUNNING,
    "H": JobState.HELD, "S": JobState.HELD, "U": JobState.HELD,
    "X": JobState.COMPLETED,
}

#: Exit_status values with a meaning of their own (PBS Professional Reference Guide, "Job Exit Status").
_EXIT_WALLTIME = -29         # JOB_EXEC_KILL_WALLTIME
_SIGNAL_OFFSET = 256         # Exit_status > 256: killed by signal (Exit_status - 256)


@settings
class PBSProProvider(PBSProvider):
    """PBS Professional blocks; Parsl's keywords, order and defaults."""

    label_name: ClassVar[str] = "pbspro"
    template: ClassVar[str] = TEMPLATE
    status_command: ClassVar[str] = "qstat -x -f -F json {job_ids}"
    state_table: ClassVar[Mapping[str, JobState]] = PBS_STATES

    account: Optional[str] = None
    queue: Optional[str] = None
    scheduler_options: str = ""
    select_options: str = ""
    worker_init: str = ""
    nodes_per_block: int = 1
    cpus_per_node: int = 1
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 1
    parallelism: float = 1
    launcher: Launcher = attrs.field(factory=SingleNodeLauncher)
    walltime: str = "00:20:00"
    cmd_timeout: int = 120

    def _job_config(self, command: str, tasks_per_node: int, files: JobFiles) -> Dict[str, Any]:
        config = super()._job_config(command, tasks_per_node, files)
        select = self.select_options
        config.update(ncpus=self.cpus_per_node,
                      select_options=select if not select or select.startswith(":") else f":{select}")
        return config

    def _parse_status(self, stdout: str) -> Iterator[tuple[str, Any]]:
        for job_id, job in json.loads(stdout or "{}").get("Jobs", {}).items():
            yield job_id, (job.get("job_state"), job.get("Exit_status"))

    def _reported_status(self, job_id: str, native: Any) -> JobStatus:
        state, exit_status = native
        if state != "F":
            return super()._reported_status(job_id, state)
        if exit_status == 0:
            return JobStatus(JobState.COMPLETED, exit_code=0)
        if exit_status == _EXIT_WALLTIME:
            return JobStatus(JobState.TIMEOUT, f"job {job_id} exceeded its walltime", exit_code=exit_status)
        if isinstance(exit_status, int) and exit_status > _SIGNAL_OFFSET:
            return JobStatus(JobState.CANCELLED, f"job {job_id} was killed by signal {exit_status - _SIGNAL_OFFSET}",
                             exit_code=exit_status)
        return JobStatus(JobState.FAILED, f"job {job_id} exited with status {exit_status}", exit_code=exit_status)
