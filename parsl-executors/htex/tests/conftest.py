"""Fixtures: real executors (interchange, worker pools and workers as real processes) on this machine.

Every block started here carries a marker in its environment (``HTEX_TEST_MARK``), inherited by
its worker pool and workers, so tests can find every process a test started, even those that
were re-parented after their parent died.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Callable, Iterator

import psutil
import pytest

import parsl
from parsl.config import Config
from parsl.providers.local.local import LocalProvider
from parsl.testing.processes import wait_for
from parsl_executor_htex.executor import HighThroughputExecutor


def marked_processes(mark: str) -> list[psutil.Process]:
    """Live processes whose environment carries ``HTEX_TEST_MARK=mark``."""
    found = []
    for p in psutil.process_iter():
        try:
            if p.status() != psutil.STATUS_ZOMBIE and p.environ().get("HTEX_TEST_MARK") == mark:
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _running_module(mark: str, module: str) -> list[psutil.Process]:
    """Marked processes whose command line runs ``module`` (one that exits meanwhile is not running)."""
    found = []
    for p in marked_processes(mark):
        try:
            if module in " ".join(p.cmdline()):
                found.append(p)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


def pool_processes(mark: str) -> list[psutil.Process]:
    return _running_module(mark, "parsl_executor_htex.process_worker_pool")


def worker_processes(mark: str) -> list[psutil.Process]:
    return _running_module(mark, "parsl_executor_htex.worker")


@pytest.fixture
def mark() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def make_provider(mark: str, tmp_path: Any) -> Callable[..., LocalProvider]:
    def make(**kwargs: Any) -> LocalProvider:
        # Workers import the test modules' functions by name, so they need this directory.
        here = os.path.dirname(os.path.abspath(__file__))
        init = f"export HTEX_TEST_MARK={mark}; export PYTHONPATH={here}${{PYTHONPATH:+:$PYTHONPATH}}"
        provider = LocalProvider(worker_init=init, **kwargs)
        provider.script_dir = str(tmp_path / "submit_scripts")
        os.makedirs(provider.script_dir, exist_ok=True)
        return provider
    return make


@pytest.fixture
def start_htex(make_provider: Callable[..., LocalProvider], tmp_path: Any,
               mark: str) -> Iterator[Callable[..., HighThroughputExecutor]]:
    """Start a HighThroughputExecutor (no DataFlowKernel) with one block; shut it down afterwards."""
    started: list[HighThroughputExecutor] = []

    def start(blocks: int = 1, cls: type = HighThroughputExecutor, provider: Any = None,
              **kwargs: Any) -> HighThroughputExecutor:
        if cls is HighThroughputExecutor:
            kwargs.setdefault("max_workers_per_node", 2)
        kwargs.setdefault("heartbeat_period", 1)
        kwargs.setdefault("heartbeat_threshold", 5)
        ex = cls(provider=provider or make_provider(), **kwargs)
        ex.run_dir = str(tmp_path / "runinfo")
        ex.start()
        started.append(ex)
        if blocks:
            assert ex.scale_out_facade(blocks) == [str(b) for b in range(blocks)]
        return ex

    yield start
    for ex in started:
        ex.shutdown()
    wait_for(lambda: not marked_processes(mark), 10, "every block process to exit")


@pytest.fixture
def load(make_provider: Callable[..., LocalProvider], tmp_path: Any, mark: str) -> Iterator[Callable[..., Any]]:
    """Load a DataFlowKernel with one HighThroughputExecutor labelled ``htex``; clean it up afterwards."""
    loaded: list[Any] = []

    def do_load(executor_kwargs: dict | None = None, provider_kwargs: dict | None = None,
                polling_interval: float | None = None, **config: Any) -> Any:
        provider = make_provider(**(provider_kwargs or {}))
        if polling_interval is not None:
            provider.polling_interval = polling_interval
        ex = HighThroughputExecutor(label="htex", max_workers_per_node=2, provider=provider, **(executor_kwargs or {}))
        dfk = parsl.load(Config(executors=[ex], run_dir=str(tmp_path / "runinfo"), **config))
        loaded.append(dfk)
        return dfk

    yield do_load
    for dfk in loaded:
        if not dfk.cleanup_called:
            dfk.cleanup()
    parsl.clear()
    wait_for(lambda: not marked_processes(mark), 10, "every block process to exit")
