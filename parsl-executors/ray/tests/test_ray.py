"""RayExecutor against a real local Ray: resource requests, a killed worker, an unreachable cluster."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from parsl.executors.engine import EngineTaskFailed
from parsl.executors.errors import InvalidResourceSpecification
from parsl.testing.executors import add, fail_with, kill_own_process, wait_for_file
from parsl_executor_ray import executor as executor_module
from parsl_executor_ray.executor import RayExecutor


@pytest.fixture
def executor(ray_session: str) -> Iterator[RayExecutor]:
    ex = RayExecutor()
    ex.start()
    yield ex
    ex.shutdown()


def test_custom_resources_and_memory_run(executor: RayExecutor) -> None:
    assert executor.submit(add, {"resources": {"special": 1}, "memory": 1}, 2, b=2).result(timeout=300) == 4


def test_requests_no_node_can_meet_are_refused(executor: RayExecutor) -> None:
    with pytest.raises(InvalidResourceSpecification) as info:
        executor.submit(add, {"resources": {"special": 2}}, 1)
    assert "special=2" in str(info.value)
    with pytest.raises(InvalidResourceSpecification, match="GPU=1"):
        executor.submit(add, {"num_gpus": 1}, 1)
    with pytest.raises(InvalidResourceSpecification, match="priority"):
        executor.submit(add, {"priority": 1}, 1)


def test_a_killed_worker_is_an_engine_failure(executor: RayExecutor) -> None:
    with pytest.raises(EngineTaskFailed, match=r"Ray cluster.*WorkerCrashedError"):
        executor.submit(kill_own_process, {}).result(timeout=300)


def test_an_unreachable_cluster_names_engine_and_address() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"ray://127.0.0.1:{s.getsockname()[1]}"
    code = ("from parsl_executor_ray.executor import RayExecutor\n"
            "from parsl.executors.engine import EngineUnreachable\n"
            f"try:\n    RayExecutor(address={address!r}).start()\n"
            "except EngineUnreachable as e:\n    print('UNREACHABLE', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert "UNREACHABLE" in out.stdout and "Ray cluster" in out.stdout and address in out.stdout, out.stderr[-2000:]



def test_an_app_s_function_gets_a_remote_of_its_own_and_closures_share_one(
        executor: RayExecutor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(executor_module, "FUNCTION_CACHE", 2)
    assert [executor.submit(add, {}, i, b=1).result(timeout=300) for i in range(3)] == [1, 2, 3]
    assert executor.submit(add, {}).exception(timeout=300) is not None  # a missing argument fails the task
    assert list(executor._remotes) == [add]  # made once, used by every task of the function
    offset = 10

    def local(x: int) -> int:
        return x + offset

    assert executor.submit(local, {}, 1).result(timeout=300) == 11
    assert executor.submit(lambda x: x * offset, {}, 2).result(timeout=300) == 20
    assert list(executor._remotes) == [add]  # closures and lambdas go through the shared one
    with pytest.raises(ValueError, match="conformance failure 4"):
        executor.submit(fail_with, {"num_cpus": 1}, 4).result(timeout=300)
    assert executor.submit(add, {}, 5).result(timeout=300) == 5
    assert list(executor._remotes) == [fail_with, add]  # most recently used last
    flag = str(tmp_path / "flag")  # started and released at once
    assert executor.submit(wait_for_file, {}, flag, flag, 60).result(timeout=300) == "released"
    assert list(executor._remotes) == [add, wait_for_file]  # past FUNCTION_CACHE the least recent goes
