"""The executor under the DataFlowKernel: apps, retries of lost workers, blocks replaced by the strategy."""

from __future__ import annotations

import os
import signal

import pytest
from conftest import marked_processes, pool_processes

from parsl import python_app
from parsl.testing.processes import wait_for
from parsl_executor_htex.errors import ManagerLost, WorkerLost
from parsl_executor_htex.executor import DEFAULT_LAUNCH_CMD


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


@python_app
def hang_on_first_tries(rendezvous: str, hangs: int) -> str:
    """Hang on the first ``hangs`` tries (each leaves a file in ``rendezvous``); then say which block ran it."""
    import os
    import time

    tries = len(os.listdir(rendezvous))
    if tries < hangs:
        open(os.path.join(rendezvous, f"try-{tries}"), "w").close()
        time.sleep(600)
    return os.environ["PARSL_WORKER_BLOCK_ID"]


def kill_block(mark: str, block_id: str) -> None:
    """SIGKILL the process group of block ``block_id``'s job: its shell, worker pool and (by PDEATHSIG) workers."""
    (pool,) = [p for p in pool_processes(mark) if f"--block_id={block_id}" in p.cmdline()]
    os.killpg(os.getpgid(pool.pid), signal.SIGKILL)


FAST_LOSS = {"heartbeat_period": 0.5, "heartbeat_threshold": 2}


def test_lost_blocks_are_replaced_and_their_task_retried_on_the_replacement(load, mark, tmp_path) -> None:
    rendezvous = tmp_path / "tries"
    rendezvous.mkdir()
    dfk = load(retries=2, executor_kwargs=FAST_LOSS, strategy_period=0.2, polling_interval=0.2)
    ex = dfk.executors["htex"]
    future = hang_on_first_tries(str(rendezvous), 2)
    for block in ("0", "1"):  # the same fault twice in a row: the replacement dies too
        wait_for((rendezvous / f"try-{block}").exists, 60, f"the task to start on block {block}")
        kill_block(mark, block)
    assert future.result(timeout=60) == "2"
    assert [add(i, 1).result(timeout=60) for i in range(3)] == [1, 2, 3]
    assert not ex.bad_state_is_set
    assert ex.connected_blocks() == ["0", "1", "2"]
    assert ex.provider.max_blocks == 1 and sum(not s.terminal for s in ex.status_facade.values()) == 1
    assert future.task_record["fail_count"] == 2


def test_lost_block_fails_its_task_without_retries_and_later_tasks_run_on_the_replacement(load, mark) -> None:
    dfk = load(executor_kwargs=FAST_LOSS, strategy_period=0.2, polling_interval=0.2)
    ex = dfk.executors["htex"]
    long_task = nap(60)
    wait_for(lambda: ex.connected_managers() and ex.connected_managers()[0]["tasks"] == 1, 20, "the task to start")
    kill_block(mark, "0")
    with pytest.raises(ManagerLost, match="no heartbeat"):
        long_task.result(timeout=60)
    assert nap(0).result(timeout=60) == 0
    assert ex.connected_blocks() == ["0", "1"] and not ex.bad_state_is_set


def test_blocks_that_never_connect_fail_the_executor_after_three_naming_why(load) -> None:
    from parsl.executors.errors import BadStateException

    wrong = DEFAULT_LAUNCH_CMD.replace("-a {addresses}", "-a 127.0.0.2")  # the interchange binds 127.0.0.1 only
    dfk = load(executor_kwargs={"launch_cmd": wrong, "address_probe_timeout": 0.5},
               strategy_period=0.2, polling_interval=0.2)
    ex = dfk.executors["htex"]
    with pytest.raises(BadStateException) as info:
        add(1, 1).result(timeout=120)
    text = str(info.value)
    assert "the last 3 blocks of executor htex ended without any of their workers connecting" in text
    assert "never connected to the interchange" in text and "tried tcp://127.0.0.2:" in text
    assert len(ex.blocks_to_job_id) == 3 and ex.connected_blocks() == []


def test_killed_interchange_fails_the_workflow_and_cleanup_returns(load, mark) -> None:
    from parsl.executors.errors import BadStateException

    dfk = load()
    ex = dfk.executors["htex"]
    futures = [nap(60) for _ in range(3)]
    wait_for(lambda: ex.connected_managers(), 20, "the pool to connect")
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
