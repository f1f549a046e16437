"""Errors about launchers."""

from __future__ import annotations

from typing import Any

from parsl.providers.errors import ExecutionProviderException


class BadLauncher(ExecutionProviderException, TypeError):
    """A provider was given something that is not a ``parsl.launchers.base.Launcher``."""

    def __init__(self, launcher: Any):
        super().__init__(launcher)
        self.launcher = launcher

    def __str__(self) -> str:
        return f"Bad Launcher provided: {self.launcher!r}, expecting a parsl.launchers.base.Launcher"
