"""Parsl's DaskExecutor as a plugin distribution (also importable as ``parsl.executors.dask``)."""

from __future__ import annotations

from typing import Any

__all__ = ["DaskExecutor"]


def __getattr__(name: str) -> Any:
    if name == "DaskExecutor":
        from parsl_executor_dask.executor import DaskExecutor
        return DaskExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
