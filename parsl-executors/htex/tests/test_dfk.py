"""The executor under the DataFlowKernel: apps, retries of lost workers, blocks replaced by the strategy."""

from __future__ import annotations

import signal
from typing import Any, Iterator

import pytest
from conftest import marked_processes, pool_processes, wait_for

import parsl
from parsl import python_app
from parsl.config import Config
from parsl_executor_htex.errors import ManagerLost, WorkerLost
from parsl_executor_htex.executor import HighThroughputExecutor


@python_app
def add(a: int, b: int) -> int:
    return a + b


@python_app
def die_once(marker: str) -> str:
    import os
    import signal

    if not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return "second try"


@python_app
def nap(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


@pytest.fixture
def load(make_provider, tmp_path, mark) -> Iterator[Any]:
    loaded = []

    def do_load(executor_kwargs: dict | None = None, provider_kwargs: dict | None = None, **config: Any) -> Any:
        ex = HighThroughputExecutor(label="htex", max_workers_per_node=2,
                                    provider=make_provider(**(provider_kwargs or {})), **(executor_kwargs or {}))
        dfk = parsl.load(Config(executors=[ex], run_dir=str(tmp_path / "runinfo"), **config))
        loaded.append(dfk)
        return dfk

    yield do_load
    for dfk in loaded:
        if not dfk.cleanup_called:
            dfk.cleanup()
    parsl.clear()
    wait_for(lambda: not marked_processes(mark), 10, "every block process to exit")


def test_apps_run_and_init_blocks_start_at_load(load) -> None:
    dfk = load()
    ex = dfk.executors["htex"]
    wait_for(lambda: ex.blocks_to_job_id, 10, "the initial block")  # launched without waiting for work
    total = add(1, 2)
    for i in range(50):
        total = add(total, i)
    assert total.result(timeout=60) == 3 + sum(range(50))


def test_lost_worker_is_retried_when_retries_allow(load, tmp_path) -> None:
    load(retries=1)
    assert die_once(str(tmp_path / "marker-a")).result(timeout=60) == "second try"


def test_lost_worker_fails_the_task_without_retries(load, tmp_path) -> None:
    load()
    with pytest.raises(WorkerLost):
        die_once(str(tmp_path / "marker-b")).result(timeout=60)


@python_app
def limited_nap(seconds: float, parsl_resource_specification: dict | None = None) -> float:
    import time

    time.sleep(seconds)
    return seconds


def test_running_time_through_the_dfk_fails_with_app_timeout(load) -> None:
    from parsl.app.errors import AppTimeout

    load()
    with pytest.raises(AppTimeout, match=r"\(limited_nap\) exceeded its running_time of 1 s"):
        limited_nap(60, parsl_resource_specification={"running_time": 1}).result(timeout=60)
    assert limited_nap(0, parsl_resource_specification={"running_time": 30, "cores": 1}).result(timeout=60) == 0


def test_lost_pool_fails_its_task_and_a_new_block_replaces_it(load, mark) -> None:
    # block_error_handler=False: with the simple handler, a workflow whose only block failed is
    # declared failed (as in Parsl); here the strategy should replace the block instead.
    dfk = load(executor_kwargs={"heartbeat_period": 0.5, "heartbeat_threshold": 2, "block_error_handler": False},
               strategy_period=0.5)
    ex = dfk.executors["htex"]
    long_task = nap(60)
    wait_for(lambda: ex.connected_managers() and ex.connected_managers()[0]["tasks"] == 1, what="the task to start")
    (pool,) = pool_processes(mark)
    pool.send_signal(signal.SIGKILL)
    with pytest.raises(ManagerLost):
        long_task.result(timeout=60)
    assert nap(0).result(timeout=60) == 0
    assert len(ex.blocks_to_job_id) == 2


def test_killed_interchange_fails_the_workflow_and_cleanup_returns(load, mark) -> None:
    from parsl.executors.errors import BadStateException

    dfk = load()
    ex = dfk.executors["htex"]
    futures = [nap(60) for _ in range(3)]
    wait_for(lambda: ex.connected_managers(), what="the pool to connect")
    ex._client.proc.send_signal(signal.SIGKILL)
    for f in futures:
        with pytest.raises(BadStateException, match="interchange process"):
            f.result(timeout=30)
    dfk.cleanup()
    wait_for(lambda: not marked_processes(mark), 10, "every block process to exit")


def test_idle_block_is_scaled_in_and_work_brings_a_new_one(load, mark) -> None:
    from parsl.jobs.states import JobState

    dfk = load(strategy="htex_auto_scale", strategy_period=0.3, max_idletime=0.5,
               provider_kwargs={"min_blocks": 0, "max_blocks": 1})
    ex = dfk.executors["htex"]
    assert nap(0).result(timeout=60) == 0
    wait_for(lambda: ex.status_facade.get("0") and ex.status_facade["0"].state == JobState.SCALED_IN, 30,
             "the idle block to be scaled in")
    wait_for(lambda: not pool_processes(mark), 10, "the scaled-in pool to exit")
    assert nap(0).result(timeout=60) == 0  # the strategy starts a new block for new work
    assert "1" in ex.blocks_to_job_id
