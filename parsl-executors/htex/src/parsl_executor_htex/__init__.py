"""Parsl's HighThroughputExecutor as a plugin distribution.

Served under Parsl's module path too: ``parsl.executors.high_throughput.executor`` is
``parsl_executor_htex.executor``. Names are loaded on first use so that importing the package
(for example to read ``errors``) stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HighThroughputExecutor", "MPIExecutor"]


def __getattr__(name: str) -> Any:
    if name == "HighThroughputExecutor":
        from parsl_executor_htex.executor import HighThroughputExecutor
        return HighThroughputExecutor
    if name == "MPIExecutor":
        from parsl_executor_htex.mpi_executor import MPIExecutor
        return MPIExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
