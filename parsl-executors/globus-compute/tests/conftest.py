"""Spec'd stand-ins of ``globus_compute_sdk.Executor`` whose tasks run on a real engine.

The stand-in is ``unittest.mock.create_autospec`` of the real SDK class (installed in this venv):
any attribute or call the SDK's ``Executor`` does not have fails the test. Its ``submit`` hands
the call to an engine and returns a plain ``Future`` (as the SDK's ``ComputeFuture`` is); its
result watcher's ``shutdown(..., cancel_futures=True)`` cancels every open future, as the SDK's
``_ResultWatcher`` does. Two engines:

- ``PoolEngine``: Parsl's serializer and a local ``ProcessPoolExecutor`` (fast; the kit runs here);
- ``EndpointEngine``: the endpoint's own ``ProcessPoolEngine`` from ``globus-compute-endpoint``,
  in a separate venv (it installs upstream ``parsl``, which must never share a venv with
  parsl-core), fed tasks packed with the SDK's ``ComputeSerializer`` into messagepack ``Task``
  messages, its ``Result`` messages turned into results or ``TaskExecutionFailed`` as the SDK's
  result watcher does. The venv is ``$PARSL_TEST_GC_ENDPOINT_PYTHON`` if set, else built once
  (``uv``) under pytest's temporary root with the endpoint release matching the installed SDK.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Set
from unittest import mock

import pytest

HOST = Path(__file__).with_name("endpoint_host.py")
TASKS = Path(__file__).with_name("endpoint_tasks.py")

#: Runs ``fn(*args, **kwargs)`` somewhere; returns a future of its (deserialized) result.
Runner = Callable[[Any, tuple, dict], Future]


def run_packed(buffer: bytes) -> bytes:
    """In the pool's worker process: unpack, run, serialize the result (the endpoint's role)."""
    from parsl.serialize import serialize, unpack_apply_message

    func, args, kwargs = unpack_apply_message(buffer)
    return serialize(func(*args, **kwargs))


class PoolEngine:
    """Parsl's serializer over a local process pool."""

    def __init__(self) -> None:
        self.pool = ProcessPoolExecutor(2)

    def run(self, fn: Any, args: tuple, kwargs: dict) -> Future:
        from parsl.serialize import deserialize, pack_apply_message

        out: Future = Future()

        def done(f: Future) -> None:
            try:
                out.set_result(deserialize(f.result()))
            except BaseException as e:
                out.set_exception(e)

        self.pool.submit(run_packed, pack_apply_message(fn, args, kwargs)).add_done_callback(done)
        return out

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class EndpointEngine:
    """The endpoint's ``ProcessPoolEngine`` in a subprocess of the endpoint venv (see ``endpoint_host``)."""

    def __init__(self, python: str) -> None:
        from globus_compute_sdk.serialize import ComputeSerializer

        self.serializer = ComputeSerializer()
        self.futures: Dict[int, Future] = {}
        self.lock = threading.Lock()
        # run from a folder of its own: the endpoint imports only the task module deployed there
        self.workdir = tempfile.mkdtemp(prefix="gc-endpoint-host-")
        host = shutil.copy(HOST, self.workdir)
        shutil.copy(TASKS, self.workdir)  # the user's task module, deployed to the endpoint
        env = {**os.environ, "PYTHONPATH": self.workdir}
        self.proc = subprocess.Popen([python, host], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                     text=True, start_new_session=True, cwd=self.workdir)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def run(self, fn: Any, args: tuple, kwargs: dict) -> Future:
        from globus_compute_common import messagepack
        from globus_compute_common.messagepack.message_types import Task

        s = self.serializer
        buffer = s.pack_buffers([s.serialize(fn), s.serialize(args), s.serialize(kwargs)])
        packed = messagepack.pack(Task(task_id=uuid.uuid4(), task_buffer=buffer))
        fut: Future = Future()
        with self.lock:
            n = len(self.futures) + 1 + max(self.futures, default=0)
            self.futures[n] = fut
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"id": n, "task": base64.b64encode(packed).decode()}) + "\n")
            self.proc.stdin.flush()
        return fut

    def _read(self) -> None:
        from globus_compute_common import messagepack
        from globus_compute_sdk.errors import TaskExecutionFailed

        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            message = json.loads(line)
            with self.lock:
                fut = self.futures.pop(message["id"])
            result = messagepack.unpack(base64.b64decode(message["result"]))
            if result.is_error:
                fut.set_exception(TaskExecutionFailed(result.data, "0"))
            else:
                try:
                    fut.set_result(self.serializer.deserialize(result.data))
                except Exception as e:
                    fut.set_exception(e)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        self.reader.join(10)
        shutil.rmtree(self.workdir, ignore_errors=True)


class StandIn:
    """The spec'd SDK executor, its open futures, and the engine behind it."""

    def __init__(self, engine: Any) -> None:
        from globus_compute_sdk import Executor

        self.engine = engine
        self.open: Set[Future] = set()
        self.lock = threading.Lock()
        self.sdk = mock.create_autospec(Executor, instance=True)
        self.sdk.resource_specification = None
        self.sdk.user_endpoint_config = None
        self.sdk.submit.side_effect = self.submit
        self.sdk._get_result_watcher.return_value.shutdown.side_effect = self.cancel_open

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Future:
        out: Future = Future()
        with self.lock:
            self.open.add(out)

        def done(f: Future) -> None:
            with self.lock:
                if out not in self.open:  # cancelled at shutdown
                    return
                self.open.discard(out)
            if f.exception() is not None:
                out.set_exception(f.exception())  # type: ignore[arg-type]
            else:
                out.set_result(f.result())

        self.engine.run(fn, args, kwargs).add_done_callback(done)
        return out

    def cancel_open(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            with self.lock:
                left, self.open = self.open, set()
            for fut in left:
                fut.cancel()
                fut.set_running_or_notify_cancel()


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    engine = PoolEngine()
    yield StandIn(engine)
    engine.close()


def _build_endpoint_venv(folder: Path) -> str:
    from importlib.metadata import version

    python = folder / "bin" / "python"
    if python.exists():
        return str(python)
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("building the Globus Compute endpoint venv needs uv on PATH "
                    "(or set PARSL_TEST_GC_ENDPOINT_PYTHON to a python with globus-compute-endpoint)",
                    pytrace=False)
    staging = folder.with_name(folder.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(staging)], check=True)
    subprocess.run([uv, "pip", "install", "-q", "--python", str(staging / "bin" / "python"),
                    f"globus-compute-endpoint=={version('globus-compute-sdk')}"], check=True)
    staging.rename(folder)  # atomic: a half-built venv is never reused
    return str(python)


@pytest.fixture(scope="session")
def endpoint_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A python of a venv with globus-compute-endpoint (and so upstream parsl), never parsl-core."""
    python = os.environ.get("PARSL_TEST_GC_ENDPOINT_PYTHON") or _build_endpoint_venv(
        tmp_path_factory.getbasetemp().parent / "gc-endpoint-venv")
    check = subprocess.run([python, "-c", "import parsl.plugins"], capture_output=True)
    assert check.returncode != 0, f"{python} has parsl-core installed: the endpoint venv must hold upstream parsl"
    return python


@pytest.fixture(scope="session")
def endpoint_engine(endpoint_python: str) -> Iterator[EndpointEngine]:
    engine = EndpointEngine(endpoint_python)
    yield engine
    engine.close()


@pytest.fixture
def endpoint_stand_in(endpoint_engine: EndpointEngine) -> StandIn:
    return StandIn(endpoint_engine)
