"""Parsl's ``parsl.monitoring.visualization.app``: ``cli_run`` is the ``parsl-visualize`` command."""

from __future__ import annotations

import sys

from parsl_monitoring.cli.visualize import main


def cli_run() -> None:
    """Run ``parsl-visualize`` with this process's arguments (Parsl's console-script entry)."""
    sys.exit(main())
