"""``FileLogging``: Parsl's classic ``<log_dir>/<log_name>.log`` text log."""

from __future__ import annotations

import logging
import pathlib
from typing import Callable

import attrs

from parsl.log_utils import DEFAULT_FORMAT, attach_handler
from parsl.logconfigs.base import LogConfig
from parsl.plugins.settings import settings


@settings
class FileLogging(LogConfig):
    """Write Parsl's log records to ``<log_dir>/<log_name>.log``, one formatted line each."""

    format_string: str = attrs.field(default=DEFAULT_FORMAT, kw_only=True)
    level: int = attrs.field(default=logging.DEBUG, kw_only=True)

    def initialize_logging(self, *, log_dir: pathlib.Path, log_name: str) -> Callable[[], None]:
        log_dir = pathlib.Path(log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_dir / f"{log_name}.log")
        return attach_handler(handler, "parsl", self.level, self.format_string)
