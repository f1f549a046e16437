"""``GridEngineProvider``: blocks as (Son of) Grid Engine jobs (``qsub -terse``, ``qstat``, ``qdel``).

``qstat`` lists only queued and running jobs, so a job that left it is looked up with
``qacct -j``: the accounting record says whether it completed, failed (with its exit code), hit
its ``h_rt`` walltime or was deleted. Accounting is written a few seconds after a job ends; a
job still unknown to it ``accounting_grace`` seconds after leaving ``qstat`` is MISSING.

A job in an error state (``Eqw``: it cannot start, e.g. its output file cannot be opened) is
reported FAILED with Grid Engine's error reason and deleted, so it does not sit in the queue.

Output paths with spaces or backslashes reach Grid Engine intact (double-quoted; a path with a
``:`` gets an empty host part, ``:path``). ``#$`` lines strip quotes and have no escapes, and
``-o``/``-e`` expand ``$HOME``, ``$JOB_ID``...: a path with a quote or one of those names is
refused with ``JobPathError`` (checked against a real sge_qmaster, 8.1.9).
"""

from __future__ import annotations

import re
import time
from typing import ClassVar, Dict, Iterator, Mapping, Optional

import attrs

from parsl.jobs.states import JobState, JobStatus
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.plugins.settings import settings
from parsl.providers.cluster_provider import ClusterProvider
from parsl.providers.errors import JobPathError, SchedulerCommandTimeout
from parsl.providers.scripts import quoted_path
from parsl_provider_gridengine.template import template_string

#: qstat's state letters (qstat(1), "state"); E... error states are handled apart.
QSTAT_STATES: Mapping[str, JobState] = {
    "qw": JobState.PENDING, "Rq": JobState.PENDING,
    "hqw": JobState.HELD, "hRwq": JobState.HELD,
    "r": JobState.RUNNING, "t": JobState.RUNNING, "Rr": JobState.RUNNING, "Rt": JobState.RUNNING,
    "s": JobState.HELD, "ts": JobState.HELD, "S": JobState.HELD, "tS": JobState.HELD,
    "T": JobState.HELD, "tT": JobState.HELD, "Rs": JobState.HELD, "Rts": JobState.HELD,
    "RS": JobState.HELD, "RtS": JobState.HELD, "RT": JobState.HELD, "RtT": JobState.HELD,
    # deletion requested: the job still runs until Grid Engine has killed it
    "dr": JobState.RUNNING, "dt": JobState.RUNNING, "dRr": JobState.RUNNING, "dRt": JobState.RUNNING,
    "ds": JobState.RUNNING, "dS": JobState.RUNNING, "dT": JobState.RUNNING, "dRs": JobState.RUNNING,
    "dRS": JobState.RUNNING, "dRT": JobState.RUNNING,
}

#: The pseudo environment variables qsub(1) expands in -o/-e paths, with no way to escape them.
_PATH_VARIABLES = re.compile(r"\$(HOME|USER|JOB_ID|JOB_NAME|HOSTNAME|TASK_ID)")

#: qacct's "failed" codes that are not plain failures (sge_status(5)).
_FAILED_TIMEOUT = 37   # qmaster enforced h_rt, h_cpu, or h_vmem limit
_FAILED_KILLED = 100   # "assumedly after job": the job was killed (qdel) or exited through a signal


@settings
class GridEngineProvider(ClusterProvider):
    """Grid Engine blocks; Parsl's keywords, order and defaults (``queue`` becomes ``-q``)."""

    label_name: ClassVar[str] = "grid_engine"
    template: ClassVar[str] = template_string
    directives: ClassVar[Mapping[str, str]] = {"queue": "#$ -q {}"}
    submit_command: ClassVar[str] = "qsub -terse {script}"
    status_command: ClassVar[str] = "qstat"
    cancel_command: ClassVar[str] = "qdel {job_ids}"
    job_id_pattern: ClassVar[str] = r"^(?P<id>\d+)"
    state_table: ClassVar[Mapping[str, JobState]] = QSTAT_STATES
    #: Seconds a job may be absent from both qstat and qacct before it is declared MISSING.
    accounting_grace: ClassVar[float] = 60

    nodes_per_block: int = 1
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 1
    parallelism: float = 1
    walltime: str = "00:10:00"
    scheduler_options: str = ""
    worker_init: str = ""
    launcher: Launcher = attrs.field(factory=SingleNodeLauncher)
    cmd_timeout: int = 60
    queue: Optional[str] = None

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        #: When qacct was first asked in vain about each job (its records may lag behind qstat).
        self._accounting_missing_since: Dict[str, float] = {}

    def _directive_path(self, path: str) -> str:
        """``path`` for ``-o``/``-e``, whose syntax is ``[[host]:]path``: a path with ``:`` gets an empty host."""
        variable = _PATH_VARIABLES.search(path)
        if variable:
            raise JobPathError(self.label, path, f"it would expand {variable.group()} in the path")
        return quoted_path(self.label, f":{path}" if ":" in path else path, backslash_escapes=False)

    def _parse_status(self, stdout: str) -> Iterator[tuple[str, str]]:
        """Rows of qstat's table: job-ID is column 1, state column 5."""
        for line in stdout.splitlines():
            parts = line.split()
            if len(parts) >= 5 and parts[0].isdigit():
                yield parts[0], parts[4]

    def _reported_status(self, job_id: str, native: str) -> JobStatus:
        if native.startswith("E"):
            reason = self._error_reason(job_id)
            self.execute_wait(self._command(self.cancel_command, job_ids=[job_id]))
            return JobStatus(JobState.FAILED, f"Grid Engine could not run job {job_id} (state {native}): {reason}")
        return super()._reported_status(job_id, native)

    def _error_reason(self, job_id: str) -> str:
        result = self.execute_wait(["qstat", "-j", job_id])
        reasons = [line.split(":", 1)[1].strip() for line in result.stdout.splitlines()
                   if line.startswith("error reason")]
        return "; ".join(reasons) or "no reason given"

    def _finished_status(self, job_id: str) -> JobStatus:
        record = self.resources[job_id]
        try:
            result = self.execute_wait(["qacct", "-j", job_id])
        except SchedulerCommandTimeout:
            return record["status"]
        if result.retcode != 0:
            submitted_here = record["job_stdout_path"] is not None
            first_missed = self._accounting_missing_since.setdefault(job_id, time.monotonic())
            if submitted_here and time.monotonic() - first_missed < self.accounting_grace:
                return record["status"]
            return super()._finished_status(job_id)
        return _accounted_status(job_id, result.stdout)


def _accounted_status(job_id: str, qacct: str) -> JobStatus:
    """The final status a ``qacct -j`` record gives (its last record, if the id was reused)."""
    failed_lines = re.findall(r"^failed\s+(\d+)\s*:?\s*(.*)$", qacct, re.M)
    exit_lines = re.findall(r"^exit_status\s+(\d+)", qacct, re.M)
    failed, reason = int(failed_lines[-1][0]), failed_lines[-1][1].strip()
    exit_code = int(exit_lines[-1]) if exit_lines else None
    if failed == _FAILED_TIMEOUT:
        return JobStatus(JobState.TIMEOUT, f"job {job_id}: {reason}", exit_code=exit_code)
    if failed == _FAILED_KILLED and exit_code in (137, 143):
        return JobStatus(JobState.CANCELLED, f"job {job_id} was killed ({reason})", exit_code=exit_code)
    if failed:
        return JobStatus(JobState.FAILED, f"job {job_id} failed: {failed} {reason}", exit_code=exit_code)
    if exit_code:
        return JobStatus(JobState.FAILED, f"job {job_id} exited with code {exit_code}", exit_code=exit_code)
    return JobStatus(JobState.COMPLETED, exit_code=0)
