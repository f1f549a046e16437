"""Scheduler faults on a real Slurm (the ``private_slurm`` cluster, whose controller these tests may
stop): a ``slurmctld`` restart in the middle of a workflow, and a ``squeue`` that hangs.

Neither may be taken for lost jobs: the provider keeps the last status it knew, asks again at the
next poll, and the workflow completes on the block it already had.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Sequence

import pytest

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.jobs.states import JobState, JobStatus
from parsl.testing.processes import wait_for
from parsl.testing.providers import wait_terminal
from parsl_executor_htex.executor import HighThroughputExecutor
from parsl_provider_slurm.slurm import SlurmProvider

if TYPE_CHECKING:
    from conftest import PrivateSlurm

#: Generous cap on every wait: the machine may be busy.
CAP = 300


@python_app
def hold(started: str, go: str) -> str:
    """Announce that it runs, wait until told to finish, return the Slurm job it ran in."""
    import os
    import time

    open(started, "w").close()
    deadline = time.monotonic() + 300
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{go} never appeared")
        time.sleep(0.1)
    return os.environ["SLURM_JOB_ID"]


class StatusLog:
    """Wraps ``provider.status`` to keep every poll: when it started and the states it returned."""

    def __init__(self, provider: SlurmProvider) -> None:
        self.polls: List[tuple[float, List[JobState]]] = []
        self._status = provider.status
        provider.status = self  # type: ignore[method-assign]

    def __call__(self, job_ids: Sequence[Any]) -> List[JobStatus]:
        started = time.monotonic()
        statuses = self._status(job_ids)
        self.polls.append((started, [s.state for s in statuses]))
        return statuses

    def polled_since(self, moment: float) -> bool:
        return any(started > moment for started, _ in self.polls)

    def states(self) -> set[JobState]:
        return {state for _, states in self.polls for state in states}


def test_a_workflow_completes_across_a_slurmctld_restart(private_slurm: PrivateSlurm, tmp_path: Path) -> None:
    provider = SlurmProvider(exclusive=False, walltime="00:10:00", cmd_timeout=30,
                             # workers import this module: the apps are pickled by reference
                             worker_init=f"export PATH={os.path.dirname(sys.executable)}:$PATH "
                                         f"PYTHONPATH={Path(__file__).parent}:$PYTHONPATH")
    provider.polling_interval = 1
    log = StatusLog(provider)
    executor = HighThroughputExecutor(label="restart", max_workers_per_node=1, provider=provider)
    dfk = parsl.load(Config(executors=[executor], run_dir=str(tmp_path / "runinfo"), strategy="simple",
                            strategy_period=0.5, max_idletime=3600))
    try:
        started, go = tmp_path / "started", tmp_path / "go"
        first = hold(str(started), str(go))
        wait_for(started.exists, CAP, "the first task to start")
        private_slurm.stop_controller()
        try:
            down = time.monotonic()
            wait_for(lambda: log.polled_since(down), CAP, "a status poll while slurmctld is down")
        finally:
            private_slurm.service("start")
        go.touch()
        job = first.result(timeout=CAP)
        later = [hold(str(tmp_path / f"started{i}"), str(go)) for i in range(3)]
        assert [f.result(timeout=CAP) for f in later] == [job] * 3
    finally:
        dfk.cleanup()
    assert list(map(str, executor.blocks_to_job_id.values())) == [job], "a replacement block was started"
    assert JobState.MISSING not in log.states() and JobState.FAILED not in log.states(), log.polls


def test_a_squeue_that_hangs_is_retried_not_taken_for_a_lost_job(private_slurm: PrivateSlurm, tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    provider = SlurmProvider(exclusive=False, walltime="00:10:00", cmd_timeout=60)
    provider.script_dir = str(tmp_path)
    started, go = tmp_path / "started", tmp_path / "go"
    job = provider.submit(f"touch {started}; while [ ! -e {go} ]; do sleep 0.1; done", 1, "parsl.hung")
    wait_for(started.exists, CAP, "the job to start")
    wait_for(lambda: provider.status([job])[0].state == JobState.RUNNING, CAP, "squeue to list the job as running")

    controller = private_slurm.controller_pid()
    os.kill(controller, signal.SIGSTOP)  # squeue now waits for an answer that does not come
    try:
        provider.cmd_timeout = 3
        with caplog.at_level(logging.WARNING, logger="parsl.providers.cluster_provider"):
            for _ in range(2):  # the poll times out, and so does the next one that asks again
                (status,) = provider.status([job])
                assert status.state == JobState.RUNNING, status
    finally:
        os.kill(controller, signal.SIGCONT)
    timeouts = [r.getMessage() for r in caplog.records if "keeping the last known status" in r.getMessage()]
    assert len(timeouts) == 2 and all("squeue" in m and job in m for m in timeouts), timeouts

    provider.cmd_timeout = 60
    go.touch()
    status = wait_terminal(provider, job, CAP, poll_interval=1)
    assert status.state == JobState.COMPLETED, (status, status.stderr_summary)
