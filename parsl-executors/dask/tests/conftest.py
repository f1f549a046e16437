"""A real Dask cluster for the tests: ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1.

The scheduler writes its address to a scheduler file (the rendezvous); workers get this folder
on ``PYTHONPATH`` so they can import the test modules' task functions. One worker declares the
abstract resource ``GPU=1``. The scheduler lets a task kill no worker more than once
(``allowed-failures = 0``), so a lost worker is reported at once, and sends a worker no more
tasks than it has threads (``worker-saturation = 1.0``), so queued tasks wait on the scheduler,
in priority order. Workers are stopped before
the scheduler: a nanny whose scheduler is gone keeps retrying to reconnect.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from parsl.testing.processes import wait_for, wait_until_gone

HERE = Path(__file__).parent
#: Cap on waiting for the cluster or for a task to reach a state.
START_TIMEOUT = 120.0


def dask_command(*args: str) -> List[str]:
    """The ``dask`` CLI of this interpreter's environment."""
    return [str(Path(sys.executable).with_name("dask")), *args]


def env() -> Dict[str, str]:
    extra = {"PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
             "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
             "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
    return {**os.environ, **extra}


def stop(procs: List[subprocess.Popen]) -> None:
    """SIGTERM the processes' groups and wait for them; SIGKILL what is left."""
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def start_scheduler(folder: Path) -> tuple[subprocess.Popen, str]:
    """A ``dask scheduler`` on 127.0.0.1 (free port, no dashboard) and its address."""
    scheduler_file = folder / "scheduler.json"
    log = open(folder / "scheduler.log", "w")
    proc = subprocess.Popen(dask_command("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                         "--scheduler-file", str(scheduler_file)),
                            stdout=log, stderr=subprocess.STDOUT, env=env(), start_new_session=True)

    def address() -> str | None:
        try:
            return json.loads(scheduler_file.read_text())["address"]
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            return None

    return proc, wait_for(address, START_TIMEOUT, "the dask scheduler's scheduler file", proc)


def start_worker(folder: Path, address: str, name: str, *extra: str) -> subprocess.Popen:
    log = open(folder / f"{name}.log", "w")
    return subprocess.Popen(dask_command("worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                         "--no-dashboard", "--name", name, "--local-directory",
                                         str(folder / name), *extra),
                            stdout=log, stderr=subprocess.STDOUT, env=env(), start_new_session=True)


def worker_count(address: str) -> int:
    from distributed import Client

    with Client(address, timeout=30, set_as_default=False) as client:
        return len(client.scheduler_info(n_workers=-1)["workers"])


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a scheduler with two workers (``gpu-worker`` offers ``GPU=1``)."""
    folder = tmp_path_factory.mktemp("dask-cluster")
    scheduler, address = start_scheduler(folder)
    workers = [start_worker(folder, address, "plain-worker"),
               start_worker(folder, address, "gpu-worker", "--resources", "GPU=1")]
    try:
        wait_for(lambda: worker_count(address) == 2, START_TIMEOUT, "two dask workers to register")
        yield address
    finally:
        stop(workers)
        stop([scheduler])
        assert not wait_until_gone([p.pid for p in [*workers, scheduler]], 30)


@pytest.fixture
def lone_scheduler(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """A scheduler of this test alone, with no worker (a test may kill it)."""
    proc, address = start_scheduler(tmp_path)
    try:
        yield proc, address
    finally:
        stop([proc])


@pytest.fixture
def free_address() -> str:
    """A tcp address on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{s.getsockname()[1]}"
