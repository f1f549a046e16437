"""The base class of monitor plugins (``Config(monitoring=...)``)."""

from __future__ import annotations

from typing import Any


class Monitor:
    """An observer of a workflow, attached to the DataFlowKernel for its lifetime.

    A subclass implements any of the monitor hooks of ``parsl.plugins.hookspecs`` as methods
    marked ``@hookimpl``. The DataFlowKernel registers the instance with the plugin manager
    when it starts (after calling ``start``) and unregisters it when it cleans up (before
    calling ``close``).
    """

    def start(self, dfk: Any) -> None:
        """Prepare to observe ``dfk`` (open databases, start threads)."""

    def close(self) -> None:
        """Flush and release everything; called once, after the last event."""
