"""Parsl monitoring as a plugin: ``from parsl.monitoring import MonitoringHub`` works as in Parsl.

The hub observes the DataFlowKernel through the core's monitor hooks and writes every task
transition to a SQLAlchemy database whose tables are those of Parsl's ``monitoring.db``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MonitoringHub"]


def __getattr__(name: str) -> Any:
    if name == "MonitoringHub":
        from parsl_monitoring.hub import MonitoringHub

        return MonitoringHub
    raise AttributeError(f"module 'parsl_monitoring' has no attribute {name!r}")
