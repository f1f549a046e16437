"""Faults, each with real processes: lost workers, pools and interchange; bad addresses and results."""

from __future__ import annotations

import os
import signal
import time

import pytest
from conftest import marked_processes, pool_processes, worker_processes

from parsl.executors.errors import BadStateException
from parsl.jobs.states import JobState
from parsl.serialize.errors import SerializationError
from parsl.testing.processes import wait_for
from parsl_executor_htex.errors import ManagerLost, WorkerLost
from parsl_executor_htex.executor import DEFAULT_LAUNCH_CMD


def kill_own_worker() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def sleep_then(seconds: float, value: int) -> int:
    import time

    time.sleep(seconds)
    return value


def own_pid() -> int:
    import os

    return os.getpid()


def generator() -> object:
    return (x for x in range(3))


def test_worker_killed_mid_task_fails_that_task_only(start_htex, mark) -> None:
    ex = start_htex(max_workers_per_node=2)
    survivor = ex.submit(sleep_then, {}, 1.0, 7)
    with pytest.raises(WorkerLost, match=r"loss of worker .* \(exit code -9\)"):
        ex.submit(kill_own_worker, {}).result(timeout=30)
    assert survivor.result(timeout=30) == 7
    assert [f.result(timeout=30) for f in [ex.submit(sleep_then, {}, 0, i) for i in range(20)]] == list(range(20))
    wait_for(lambda: len(worker_processes(mark)) == 2, 20, "the pool to replace the lost worker")


def test_unserializable_result_fails_the_task_and_the_worker_survives(start_htex) -> None:
    ex = start_htex(max_workers_per_node=1)
    pid = ex.submit(own_pid, {}).result(timeout=30)
    with pytest.raises(SerializationError, match="generator"):
        ex.submit(generator, {}).result(timeout=30)
    assert ex.submit(own_pid, {}).result(timeout=30) == pid


def test_unserializable_argument_fails_at_submit(start_htex) -> None:
    ex = start_htex(blocks=0)
    with pytest.raises(SerializationError, match="arguments"):
        ex.submit(own_pid, {}, (x for x in range(2)))
    assert ex.outstanding() == 0


def test_killed_pool_fails_its_tasks_with_manager_lost(start_htex, mark) -> None:
    ex = start_htex(heartbeat_period=0.5, heartbeat_threshold=2)
    futures = [ex.submit(sleep_then, {}, 30, i) for i in range(2)]
    wait_for(lambda: ex.connected_managers() and ex.connected_managers()[0]["tasks"] == 2,
             20, "tasks to reach the pool")
    (pool,) = pool_processes(mark)
    pool.send_signal(signal.SIGKILL)
    for f in futures:
        with pytest.raises(ManagerLost, match=r"no heartbeat for .*heartbeat_threshold=2s"):
            f.result(timeout=30)
    assert ex.connected_managers() == []


def test_pool_that_exits_reports_its_tasks_at_once(start_htex, mark) -> None:
    ex = start_htex(heartbeat_threshold=600)
    future = ex.submit(sleep_then, {}, 30, 1)
    wait_for(lambda: ex.connected_managers() and ex.connected_managers()[0]["tasks"] == 1, 20, "the task to start")
    (pool,) = pool_processes(mark)
    pool.send_signal(signal.SIGTERM)  # what a scheduler does at walltime
    with pytest.raises(ManagerLost, match="its worker pool exited: terminated by SIGTERM"):
        future.result(timeout=30)


def test_killed_interchange_fails_every_outstanding_task_naming_the_cause(start_htex, mark) -> None:
    ex = start_htex()
    futures = [ex.submit(sleep_then, {}, 30, i) for i in range(5)]
    wait_for(lambda: ex.connected_managers(), 20, "the pool to connect")
    ex._client.proc.send_signal(signal.SIGKILL)
    for f in futures:
        with pytest.raises(BadStateException, match=r"interchange process .* was killed by signal SIGKILL"):
            f.result(timeout=10)
    assert ex.bad_state_is_set
    with pytest.raises(BadStateException, match="interchange"):
        ex.submit(own_pid, {})
    ex.shutdown()
    wait_for(lambda: not marked_processes(mark), 10, "every block process to exit")


def test_unreachable_interchange_marks_the_block_failed_with_the_address(start_htex) -> None:
    wrong = DEFAULT_LAUNCH_CMD.replace("-a {addresses}", "-a 127.0.0.2")  # the interchange binds 127.0.0.1 only
    ex = start_htex(launch_cmd=wrong, address_probe_timeout=1)
    future = ex.submit(own_pid, {})
    status = wait_for(lambda: (s := ex.status()) and s["0"].terminal and s, 30, "the block to end")
    assert status["0"].state == JobState.MISSING
    assert "never connected to the interchange" in status["0"].message
    assert "tcp://127.0.0.2:" in status["0"].stderr_summary
    ex.handle_errors(status)
    assert not ex.bad_state_is_set  # one block that never connected may be a bad node
    ex.scale_out_facade(2)
    status = wait_for(lambda: (s := ex.status()) and all(js.terminal for js in s.values()) and s, 30,
                      "the next two blocks to end")
    ex.handle_errors(status)
    with pytest.raises(BadStateException, match=r"tried tcp://127\.0\.0\.2:\d+"):
        future.result(timeout=5)


def test_shutdown_with_running_tasks_leaves_no_process(start_htex, mark) -> None:
    ex = start_htex()
    futures = [ex.submit(sleep_then, {}, 60, i) for i in range(4)]
    wait_for(lambda: ex.connected_managers() and ex.connected_managers()[0]["tasks"] == 2, 20, "tasks to start")
    assert len(worker_processes(mark)) == 2
    ex.shutdown()
    for f in futures:
        with pytest.raises(BadStateException, match="shut down"):
            f.result(timeout=5)
    wait_for(lambda: not marked_processes(mark), 10, "every block process to exit")
    assert ex._client.proc.poll() is not None


def test_scale_in_holds_then_cancels_idle_blocks(start_htex, mark) -> None:
    ex = start_htex()
    assert ex.submit(own_pid, {}).result(timeout=30)
    wait_for(lambda: ex.connected_managers(), 20, "the pool to register")
    time.sleep(0.2)
    assert ex.scale_in_facade(1, max_idletime=60) == []  # not idle long enough
    assert ex.scale_in_facade(1, max_idletime=0.1) == ["0"]
    assert ex.status_facade["0"].state == JobState.SCALED_IN
    wait_for(lambda: not marked_processes(mark), 10, "the block to exit")


def test_drain_period_retires_the_pool(start_htex, mark) -> None:
    ex = start_htex(drain_period=1)
    assert ex.submit(own_pid, {}).result(timeout=30)
    wait_for(lambda: not pool_processes(mark), 20, "the drained pool to exit")
    assert ex.connected_managers() == []
    assert os.path.exists(ex.logdir)


def test_interchange_that_cannot_start_says_why(start_htex) -> None:
    with pytest.raises(RuntimeError, match=r"interchange failed to start(.|\n)*192\.0\.2\.1"):
        start_htex(blocks=0, address="192.0.2.1")  # not an address of this host: bind fails


def test_workers_that_cannot_start_fail_the_block_with_their_error(start_htex) -> None:
    ex = start_htex(cpu_affinity="list:4094:4095")  # CPUs this machine does not have
    future = ex.submit(own_pid, {})
    status = wait_for(lambda: (s := ex.status()) and s["0"].terminal and s, 30, "the block to end")
    assert "workers in a row exited (last with code 1) before they were ready" in status["0"].stderr_summary
    with pytest.raises(ManagerLost, match=r"its worker pool exited: \d+ workers in a row exited"):
        future.result(timeout=5)


SCRIPT = """
import os, sys
from parsl.providers.local.local import LocalProvider
from parsl_executor_htex.executor import HighThroughputExecutor
provider = LocalProvider(worker_init="export HTEX_TEST_MARK={mark}")
provider.script_dir = {run_dir!r}
ex = HighThroughputExecutor(provider=provider, max_workers_per_node=1, heartbeat_period=1, heartbeat_threshold=30)
ex.run_dir = {run_dir!r}
ex.start()
ex.scale_out_facade(1)
assert ex.submit(os.getpid, {{}}).result(timeout=30)
print(ex._client.proc.pid, flush=True)
os._exit(1)  # the user's process dies without shutting anything down
"""


def test_interchange_and_pools_exit_when_the_user_process_dies(mark, tmp_path) -> None:
    import subprocess
    import sys

    import psutil

    script = SCRIPT.format(mark=mark, run_dir=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    interchange = int(out.stdout.split()[0])
    wait_for(lambda: not psutil.pid_exists(interchange) or psutil.Process(interchange).status() == "zombie",
             10, "the interchange to exit")
    wait_for(lambda: not marked_processes(mark), 10, "the worker pool and workers to exit")


def test_garbage_from_a_peer_does_not_take_the_interchange_down(start_htex) -> None:
    import zmq

    ex = start_htex(encrypted=False)
    assert ex.submit(own_pid, {}).result(timeout=30)
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.connect(f"tcp://127.0.0.1:{ex.worker_port}")
    for junk in ([b"G", b"{not json"], [b"R", b"\x00"], [b"G"], [b""]):
        sock.send_multipart(junk)
    sock.close(linger=1000)
    assert ex.submit(own_pid, {}).result(timeout=30)
    assert ex._client.proc.poll() is None
