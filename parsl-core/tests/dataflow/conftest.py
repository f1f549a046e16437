"""Fixtures for the dataflow core's tests: every DataFlowKernel is cleaned up, in a tmp_path run dir."""

from __future__ import annotations

from typing import Any, Callable, Iterator, List

import pytest

import parsl
from parsl.config import Config
from parsl.dataflow.dflow import DataFlowKernel
from parsl.executors.threads import ThreadPoolExecutor


@pytest.fixture
def make_dfk(tmp_path: Any) -> Iterator[Callable[..., DataFlowKernel]]:
    """Load a DataFlowKernel (4 threads, run dir under tmp_path unless given); clean it up afterwards."""
    loaded: List[DataFlowKernel] = []

    def make(**config: Any) -> DataFlowKernel:
        config.setdefault("run_dir", str(tmp_path / "runinfo"))
        config.setdefault("executors", [ThreadPoolExecutor(max_threads=4)])
        dfk = parsl.load(Config(**config))
        loaded.append(dfk)
        return dfk

    yield make
    for dfk in loaded:
        if not dfk.cleanup_called:
            dfk.cleanup()
    parsl.clear()


@pytest.fixture
def dfk(make_dfk: Callable[..., DataFlowKernel]) -> DataFlowKernel:
    return make_dfk()


@pytest.fixture(autouse=True)
def _no_dfk_left_behind() -> Iterator[None]:
    yield
    left = parsl.DataFlowKernelLoader._dfk
    if left is not None:
        if not left.cleanup_called:
            left.cleanup()
        parsl.clear()
        pytest.fail("a test left a DataFlowKernel loaded")
