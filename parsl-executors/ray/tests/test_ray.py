"""RayExecutor against a real local Ray: resource requests, a killed worker, an unreachable cluster."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from typing import Iterator

import pytest

from parsl.executors.engine import EngineTaskFailed
from parsl.executors.errors import InvalidResourceSpecification
from parsl.testing.executors import add
from parsl_executor_ray.executor import RayExecutor


def kill_my_worker() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


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
    with pytest.raises(EngineTaskFailed, match="Ray cluster"):
        executor.submit(kill_my_worker, {}).result(timeout=300)


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
