"""Resource specifications with real processes: running_time stops tasks, cores/memory/disk are reserved.

Pools here see ``PARSL_CORES=2`` (set in the environment the LocalProvider's jobs inherit), so a
two-worker pool has exactly two cores to reserve, whatever this machine has.
"""

from __future__ import annotations

import itertools
import os

import pytest
from conftest import worker_processes

from parsl.app.errors import AppTimeout
from parsl.executors.errors import InvalidResourceSpecification
from parsl.testing.processes import wait_for
from parsl_executor_htex.manager_selector import BlockIdManagerSelector


def sleep_then(seconds: float, value: int) -> int:
    import time

    time.sleep(seconds)
    return value


def start_child_then_sleep(pid_file: str) -> None:
    """Start a child process (as a bash app would), note its pid, and run far past any limit."""
    import subprocess
    import time

    child = subprocess.Popen(["sleep", "300"])
    with open(pid_file, "w") as f:
        f.write(str(child.pid))
    time.sleep(300)


def span(name: str, seconds: float, path: str) -> None:
    """Append this task's start and end (wall clock, same host for every worker) to ``path``."""
    import time

    start = time.time()
    time.sleep(seconds)
    with open(path, "a") as f:
        f.write(f"{name} {start!r} {time.time()!r}\n")


def rendezvous(me: str, other: str, directory: str) -> bool:
    """Leave a mark, then wait (up to 20 s) for ``other``'s: True only if both ran at the same time."""
    import os
    import time

    open(os.path.join(directory, me), "w").close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if os.path.exists(os.path.join(directory, other)):
            return True
        time.sleep(0.02)
    return False


def spans(path: str) -> dict[str, tuple[float, float]]:
    with open(path) as f:
        return {name: (float(a), float(b)) for name, a, b in (line.split() for line in f)}


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARSL_CORES", "2")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_running_time_kills_the_task_and_its_children_and_the_pool_goes_on(start_htex, mark, tmp_path) -> None:
    ex = start_htex(max_workers_per_node=2)
    # Both workers import this module first: on a loaded machine that import alone can take the
    # whole running_time, and the task would be killed before it noted its child.
    warm = [ex.submit(rendezvous, {}, a, b, str(tmp_path)) for a, b in (("w1", "w2"), ("w2", "w1"))]
    assert [f.result(timeout=60) for f in warm] == [True, True]
    pid_file = str(tmp_path / "child.pid")
    other = ex.submit(sleep_then, {}, 1.5, 7)
    timed = ex.submit(start_child_then_sleep, {"running_time": 1}, pid_file)
    with pytest.raises(AppTimeout, match=r"task \d+ \(start_child_then_sleep\) exceeded its running_time of 1 s "
                                         r"on worker \d .*killed and replaced"):
        timed.result(timeout=30)
    child = int(open(pid_file).read())
    wait_for(lambda: not _pid_alive(child), 10, "the task's child process to be killed")
    assert other.result(timeout=30) == 7
    wait_for(lambda: len(worker_processes(mark)) == 2, 20, "the pool to replace the killed worker")
    assert ex.submit(sleep_then, {"running_time": 30}, 0, 3).result(timeout=30) == 3
    assert [f.result(timeout=30) for f in [ex.submit(sleep_then, {}, 0, i) for i in range(10)]] == list(range(10))


def test_a_task_reserving_every_core_runs_alone(start_htex, tmp_path) -> None:
    ex = start_htex(max_workers_per_node=2)
    path = str(tmp_path / "spans")
    # "plain" reaches the pool while "whole" runs there (the pool holds it back); "whole2" waits in
    # the interchange while "plain" runs (the interchange holds it back), and "last" behind it.
    names = [("whole", {"cores": 2}), ("plain", {}), ("whole2", {"cores": 2, "memory": 1}), ("last", {"cores": 1})]
    futures = [ex.submit(span, spec, name, 0.5, path) for name, spec in names]
    for f in futures:
        f.result(timeout=30)
    s = spans(path)
    # Two workers, yet each ran alone: every task started after the one before it ended.
    for (first, _), (second, _) in itertools.pairwise(names):
        assert s[first][1] <= s[second][0], (first, second, s)


def test_the_interchange_sends_a_request_to_a_pool_with_room(start_htex, tmp_path) -> None:
    ex = start_htex(blocks=2, max_workers_per_node=2, manager_selector=BlockIdManagerSelector())
    wait_for(lambda: len(ex.connected_managers()) == 2, 20, "both pools to connect")
    busy = ex.submit(rendezvous, {}, "busy", "whole", str(tmp_path))  # block 0 first: one of its cores
    wait_for(lambda: any(m["tasks"] for m in ex.connected_managers()), 20, "the first task to reach a pool")
    # Fits block 1 only while "busy" runs; sent to block 0 it would wait for "busy", which waits for it.
    whole = ex.submit(rendezvous, {"cores": 2}, "whole", "busy", str(tmp_path))
    assert busy.result(timeout=30) and whole.result(timeout=30)


def test_one_core_tasks_share_a_two_core_pool(start_htex, tmp_path) -> None:
    ex = start_htex(max_workers_per_node=2)
    futures = [ex.submit(rendezvous, {"cores": 1, "memory": 1}, me, other, str(tmp_path))
               for me, other in (("a", "b"), ("b", "a"))]
    assert [f.result(timeout=30) for f in futures] == [True, True]  # they ran at the same time


@pytest.mark.parametrize("spec, key", [({"cores": 3}, "cores"), ({"memory": 10**12}, "memory"),
                                       ({"disk": 10**15, "cores": 1}, "disk")])
def test_a_request_no_pool_can_fit_fails_with_the_largest_pool(start_htex, spec, key) -> None:
    ex = start_htex(max_workers_per_node=2)
    assert ex.submit(sleep_then, {}, 0, 1).result(timeout=30) == 1  # the pool is connected
    with pytest.raises(InvalidResourceSpecification, match=r"more than any of the 1 connected worker pool.*"
                                                            r"has cores=2, memory=\d+ MB, disk=\d+ MB") as info:
        ex.submit(sleep_then, spec, 0, 2).result(timeout=30)
    assert info.value.invalid_keys == {key}
    assert f"{key}={spec[key]:g}" in str(info.value)
    assert ex.submit(sleep_then, {"cores": 2}, 0, 3).result(timeout=30) == 3


def test_a_request_waits_for_the_first_pool_then_is_judged(start_htex) -> None:
    ex = start_htex(blocks=0, max_workers_per_node=2)
    too_big = ex.submit(sleep_then, {"cores": 4}, 0, 1)
    fits = ex.submit(sleep_then, {"cores": 2}, 0, 2)
    ex.scale_out_facade(1)
    with pytest.raises(InvalidResourceSpecification, match="cores=4"):
        too_big.result(timeout=30)
    assert fits.result(timeout=30) == 2


@pytest.mark.parametrize("spec, key", [({"cores": -1}, "cores"), ({"memory": "lots"}, "memory"),
                                       ({"running_time": -5}, "running_time")])
def test_a_bad_value_fails_at_submit(start_htex, spec, key) -> None:
    ex = start_htex(blocks=0)
    with pytest.raises(InvalidResourceSpecification, match=key) as info:
        ex.submit(sleep_then, spec, 0, 1)
    assert info.value.invalid_keys == {key}
    assert ex.outstanding() == 0
