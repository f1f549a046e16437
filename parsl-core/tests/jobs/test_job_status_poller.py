"""JobStatusPoller on real local blocks: immediate init blocks, block events, close cancels everything."""

from __future__ import annotations

from typing import Any, Callable

from block_executor import BlockEvents, states

from parsl.jobs.job_status_poller import JobStatusPoller
from parsl.jobs.states import JobState
from parsl.testing.processes import wait_for, wait_until_gone


def test_init_blocks_start_at_once_not_after_strategy_period(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=2, max_blocks=2)
    poller = JobStatusPoller(strategy="simple", strategy_period=3600, max_idletime=3600)
    try:
        poller.add_executors([executor])
        wait_for(lambda: len(executor.status_facade) == 2, 30, "both init blocks")
    finally:
        poller.close()


def test_close_cancels_every_block_and_leaves_no_process(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=2, max_blocks=2)
    poller = JobStatusPoller(strategy="none", strategy_period=0.05, max_idletime=3600)
    poller.add_executors([executor])
    wait_for(lambda: len(executor.status_facade) == 2, 30, "both init blocks")
    pids = [int(j) for j in executor.blocks_to_job_id.values()]
    poller.close()
    assert set(states(executor).values()) == {"SCALED_IN"}
    assert wait_until_gone(pids, 10) == []
    assert {s.state for s in executor.provider.status(list(executor.blocks_to_job_id.values()))} == {JobState.CANCELLED}


def test_block_transitions_are_reported_to_the_dfk(make_executor: Callable[..., Any]) -> None:
    dfk = BlockEvents()
    executor = make_executor(init_blocks=1, launch_command="sleep 0.2")
    executor.provider.polling_interval = 0.05
    poller = JobStatusPoller(strategy="none", strategy_period=0.05, max_idletime=3600, dfk=dfk)
    try:
        poller.add_executors([executor])
        wait_for(lambda: any(e[3].state == JobState.COMPLETED for e in dfk.events), 30, "a COMPLETED block event")
    finally:
        poller.close()
    job_id = executor.blocks_to_job_id["0"]
    block0 = [e for e in dfk.events if e[1] == "0"]  # the strategy replaces the ended block after it
    first, last = block0[0], block0[-1]
    assert first[:3] == ("blocks", "0", job_id) and first[3].state == JobState.PENDING
    assert last[3].state == JobState.COMPLETED


def test_executors_without_a_provider_are_not_polled(make_executor: Callable[..., Any]) -> None:
    executor = make_executor()
    executor.provider = None
    polled = make_executor(init_blocks=1, max_blocks=1)
    poller = JobStatusPoller(strategy="simple", strategy_period=0.01, max_idletime=0)
    poller.add_executors([executor, polled])
    try:
        wait_for(lambda: len(polled.status_facade) == 1, 30, "the polled block")  # the poller has been round
    finally:
        poller.close()
    assert executor.status_facade == {}
