"""``JSONLogging``: every log record of the process as one JSON object a line.

Structured fields that Parsl attaches to its records (``extra={"parsl.task": 3, "parsl.try": 0,
"parsl.executor": "htex"}``) become fields of the object, so a log can be filtered by task, try or
executor without parsing messages.
"""

from __future__ import annotations

import json
import logging
import pathlib
from typing import Any, Callable

import attrs

from parsl.log_utils import attach_handler
from parsl.logconfigs.base import LogConfig
from parsl.plugins.settings import settings

_JSON_NATIVE = (str, int, float, bool, type(None))


class JSONFormatter(logging.Formatter):
    """Formats a record as a JSON object: Parsl's fixed keys plus every ``parsl.*`` extra."""

    def format(self, record: logging.LogRecord) -> str:
        d: dict[str, Any] = {
            "created": record.created,
            "process": record.process,
            "processName": record.processName,
            "threadName": record.threadName,
            "thread": record.thread,
            "name": record.name,
            "lineno": record.lineno,
            "funcname": record.funcName,
            "levelname": record.levelname,
            "msg": str(record.msg),
            "formatted": record.getMessage(),
        }
        if record.exc_info:
            d["exc_text"] = self.formatException(record.exc_info)
        for key, value in record.__dict__.items():
            if key.startswith("parsl."):
                d[key] = value if isinstance(value, _JSON_NATIVE) else _text(value)
        return json.dumps(d)


def _text(value: Any) -> str:
    try:
        return str(value)
    except Exception as e:  # a broken __str__ must not lose the whole record
        return f"UNREPRESENTABLE: {e!r}"


@settings
class JSONLogging(LogConfig):
    """Write every log record of the process to ``<log_dir>/<log_name>.jsonlog`` as JSON lines."""

    level: int = attrs.field(default=logging.DEBUG, kw_only=True)

    def initialize_logging(self, *, log_dir: pathlib.Path, log_name: str) -> Callable[[], None]:
        log_dir = pathlib.Path(log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_dir / f"{log_name}.jsonlog", mode="w")
        return attach_handler(handler, "", self.level, formatter=JSONFormatter())
