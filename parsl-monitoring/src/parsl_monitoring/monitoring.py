"""Parsl's module path ``parsl.monitoring.monitoring``, kept for ``from ... import MonitoringHub``."""

from parsl_monitoring.hub import MonitoringHub

__all__ = ["MonitoringHub"]
