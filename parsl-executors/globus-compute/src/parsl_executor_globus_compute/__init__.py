"""Parsl's GlobusComputeExecutor as a plugin distribution (also ``parsl.executors.globus_compute``)."""

from __future__ import annotations

from typing import Any

__all__ = ["GlobusComputeExecutor"]


def __getattr__(name: str) -> Any:
    if name == "GlobusComputeExecutor":
        from parsl_executor_globus_compute.executor import GlobusComputeExecutor
        return GlobusComputeExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
