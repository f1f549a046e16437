"""Parsl's RayExecutor as a plugin distribution (also importable as ``parsl.executors.ray``)."""

from __future__ import annotations

from typing import Any

__all__ = ["RayExecutor"]


def __getattr__(name: str) -> Any:
    if name == "RayExecutor":
        from parsl_executor_ray.executor import RayExecutor
        return RayExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
