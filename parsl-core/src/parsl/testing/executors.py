"""The executor conformance kit: a pytest test class an executor distribution subclasses.

::

    from parsl.testing.executors import ExecutorConformance

    class TestDask(ExecutorConformance):
        accepted_resource_spec = {"priority": 1}

        @pytest.fixture
        def executor(self, scheduler_address):      # a new, unstarted executor per test
            return DaskExecutor(address=scheduler_address)

Tests run real tasks: through the executor's own ``submit`` and through a DataFlowKernel
(python and bash apps, ``File`` staging, retries). Tasks are the module-level functions below,
so any worker that has ``parsl-core`` installed can import them. Tests synchronise through
files (a task writes ``started``, waits for ``release``), never through sleeps; every wait is
bounded by ``task_timeout`` seconds.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback
import types
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

import parsl
from parsl.app.app import bash_app, python_app
from parsl.app.errors import BashExitFailure
from parsl.config import Config
from parsl.data_provider.files import File
from parsl.dataflow.dflow import DataFlowKernel
from parsl.errors import ParslError
from parsl.executors.base import ParslExecutor
from parsl.executors.errors import InvalidResourceSpecification

# -- tasks (importable by workers: they live in parsl-core) ------------------------------------


def add(a: int, b: int = 0) -> int:
    return a + b


def conformance_failing_helper(value: int) -> None:
    raise ValueError(f"conformance failure {value}")


def fail_with(value: int) -> None:
    conformance_failing_helper(value)


def wait_for_file(started: str, release: str, limit: float) -> str:
    """Say it started, then wait (at most ``limit`` s) for ``release`` to exist."""
    Path(started).touch()
    deadline = time.monotonic() + limit
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.05)
    return "released"


def kill_own_process() -> None:
    """A task whose worker dies under it (SIGKILL): the engine's lost-worker path."""
    os.kill(os.getpid(), signal.SIGKILL)


def unpicklable_result() -> Any:
    return (i for i in range(3))  # neither pickle, cloudpickle nor dill can serialize a generator


@python_app
def add_app(a: int, b: int = 0) -> int:
    return a + b


@python_app
def fail_app(value: int) -> None:
    conformance_failing_helper(value)


@python_app
def upper_app(inputs: Any = (), outputs: Any = ()) -> str:
    text = Path(inputs[0].filepath).read_text()
    Path(outputs[0].filepath).write_text(text.upper())
    return text


@python_app
def flaky_app(attempts_file: str, fail_times: int) -> int:
    with open(attempts_file, "a") as f:
        f.write("x")
    attempts = len(Path(attempts_file).read_text())
    if attempts <= fail_times:
        raise RuntimeError(f"planned failure {attempts}")
    return attempts


@bash_app
def echo_app(word: str, stdout: Optional[str] = None) -> str:
    return f"echo conformance-{word}"


@bash_app
def exit_app(code: int) -> str:
    return f"exit {code}"


# -- the contract -------------------------------------------------------------------------------


class ExecutorConformance:
    """What every executor must do. Subclasses define the ``executor`` fixture (new and unstarted)."""

    #: Upper bound, in seconds, on any one wait (a result, a rendezvous file, a shutdown).
    task_timeout: float = 120.0
    #: A resource specification this executor accepts and runs (None: it accepts none but ``{}``).
    accepted_resource_spec: Optional[Dict[str, Any]] = None
    #: A specification it must refuse at submit, and the key the error must name.
    refused_resource_spec: Tuple[Dict[str, Any], str] = ({"no_such_resource_key": 1}, "no_such_resource_key")
    #: Whether ``shutdown`` fails or cancels tasks still running (True) or lets them finish (False: threads).
    shutdown_cancels_running: bool = True
    #: Whether results cross a process boundary (an unpicklable result is then an error).
    serializes_results: bool = True

    @pytest.fixture
    def executor(self) -> ParslExecutor:
        raise NotImplementedError("a conformance test class must define the 'executor' fixture")

    @pytest.fixture
    def started(self, executor: ParslExecutor, tmp_path: Path) -> Iterator[ParslExecutor]:
        """The executor, started outside any DataFlowKernel, shut down afterwards."""
        executor.run_dir = str(tmp_path)
        executor.start()
        yield executor
        executor.shutdown()

    @pytest.fixture
    def dfk(self, executor: ParslExecutor, tmp_path: Path) -> Iterator[DataFlowKernel]:
        """A DataFlowKernel running only this executor (two retries), cleaned up afterwards."""
        dfk = parsl.load(Config(executors=[executor], run_dir=str(tmp_path / "runinfo"), retries=2))
        yield dfk
        if not dfk.cleanup_called:
            dfk.cleanup()
        parsl.clear()

    def result(self, fut: Future) -> Any:
        return fut.result(timeout=self.task_timeout)

    # -- submit ------------------------------------------------------------------------------

    def test_submit_returns_results(self, started: ParslExecutor) -> None:
        futures = [started.submit(add, {}, i, b=1) for i in range(20)]
        assert [self.result(f) for f in futures] == [i + 1 for i in range(20)]

    def test_submit_exception_keeps_its_type(self, started: ParslExecutor) -> None:
        with pytest.raises(ValueError, match="conformance failure 7"):
            self.result(started.submit(fail_with, {}, 7))

    def test_unknown_resource_key_is_refused_at_submit(self, started: ParslExecutor) -> None:
        spec, key = self.refused_resource_spec
        with pytest.raises(InvalidResourceSpecification) as info:
            started.submit(add, dict(spec), 1)
        assert key in str(info.value), str(info.value)

    def test_accepted_resource_spec_runs(self, started: ParslExecutor) -> None:
        spec = dict(self.accepted_resource_spec or {})
        assert self.result(started.submit(add, spec, 2, b=3)) == 5

    def test_unpicklable_result(self, started: ParslExecutor) -> None:
        fut = started.submit(unpicklable_result, {})
        if not self.serializes_results:
            assert isinstance(self.result(fut), types.GeneratorType)
            return
        with pytest.raises(ParslError) as info:
            self.result(fut)
        assert "generator" in str(info.value).lower(), str(info.value)

    def test_shutdown_with_a_running_task(self, executor: ParslExecutor, tmp_path: Path) -> None:
        started_file, release = tmp_path / "started", tmp_path / "release"
        executor.run_dir = str(tmp_path)
        executor.start()
        try:
            fut = executor.submit(wait_for_file, {}, str(started_file), str(release), self.task_timeout)
            self._wait_for_path(started_file, fut)
            if not self.shutdown_cancels_running:
                release.touch()
            stopper = threading.Thread(target=executor.shutdown, daemon=True)
            stopper.start()
            stopper.join(self.task_timeout)
            assert not stopper.is_alive(), f"shutdown did not return within {self.task_timeout} s"
            if self.shutdown_cancels_running:
                assert fut.done(), "shutdown returned but left the running task's future pending"
                assert fut.cancelled() or fut.exception(timeout=0) is not None, \
                    "a task cancelled at shutdown reported success"
            else:
                assert self.result(fut) == "released"
        finally:
            release.touch()

    def _wait_for_path(self, path: Path, fut: Future) -> None:
        deadline = time.monotonic() + self.task_timeout
        while not path.exists():
            if fut.done():
                pytest.fail(f"the task ended before writing {path}: {fut.exception()!r}")
            if time.monotonic() > deadline:
                pytest.fail(f"the task did not start within {self.task_timeout} s")
            time.sleep(0.05)

    # -- through the DataFlowKernel -----------------------------------------------------------

    def test_python_apps(self, dfk: DataFlowKernel) -> None:
        futures = [add_app(i, b=i) for i in range(20)]
        assert [self.result(f) for f in futures] == [2 * i for i in range(20)]

    def test_app_exception_has_the_remote_traceback(self, dfk: DataFlowKernel) -> None:
        with pytest.raises(ValueError, match="conformance failure 3") as info:
            self.result(fail_app(3))
        text = "".join(traceback.format_exception(info.value))
        assert "conformance_failing_helper" in text, text

    def test_bash_apps(self, dfk: DataFlowKernel, tmp_path: Path) -> None:
        out = tmp_path / "echo.out"
        assert self.result(echo_app("hello", stdout=str(out))) == 0
        assert out.read_text().strip() == "conformance-hello"
        with pytest.raises(BashExitFailure) as info:
            self.result(exit_app(3))
        assert info.value.exitcode == 3

    def test_file_staging(self, dfk: DataFlowKernel, tmp_path: Path) -> None:
        source, target = tmp_path / "in.txt", tmp_path / "out.txt"
        source.write_text("staged")
        fut = upper_app(inputs=[File(str(source))], outputs=[File(str(target))])
        assert self.result(fut) == "staged"
        self.result(fut.outputs[0])
        assert target.read_text() == "STAGED"

    def test_retries(self, dfk: DataFlowKernel, tmp_path: Path) -> None:
        attempts = tmp_path / "attempts"
        assert self.result(flaky_app(str(attempts), 2)) == 3
        with pytest.raises(RuntimeError, match="planned failure 3"):
            self.result(flaky_app(str(tmp_path / "more-attempts"), 10))
        assert len((tmp_path / "more-attempts").read_text()) == 3
