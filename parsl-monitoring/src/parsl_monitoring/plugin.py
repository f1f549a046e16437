"""The ``parsl`` entry point of parsl-monitoring: cheap registrations, nothing heavy imported."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

if TYPE_CHECKING:
    import argparse

    from parsl.plugins.protocols import DataFlowKernelView

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_monitors(register: Register) -> None:
    from parsl_monitoring.hub import MonitoringHub

    register(MonitoringHub, name="hub")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.monitoring": "parsl_monitoring"}


@hookimpl
def parsl_cli_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from parsl_monitoring.cli.commands import add_commands

    add_commands(subparsers)


@hookimpl
def parsl_workflow_start(dfk: DataFlowKernelView) -> None:
    """Attach a live progress display when one is wanted (a terminal under ``parsl run``, Jupyter)."""
    from parsl_monitoring.progress import attach_if_wanted

    attach_if_wanted(dfk)
