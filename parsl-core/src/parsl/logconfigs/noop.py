"""``NoopLogging``: configure nothing (benchmarks, or an application that sets up logging itself)."""

from __future__ import annotations

import pathlib
from typing import Callable

from parsl.logconfigs.base import LogConfig
from parsl.plugins.settings import settings


def _nothing() -> None:
    """Nothing was set up, so there is nothing to undo."""


@settings
class NoopLogging(LogConfig):
    """Set up no logging at all."""

    def initialize_logging(self, *, log_dir: pathlib.Path, log_name: str) -> Callable[[], None]:
        return _nothing
