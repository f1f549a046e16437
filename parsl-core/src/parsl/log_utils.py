"""Attach log handlers to Parsl's loggers, and decide whether per-task records are worth making.

The DataFlowKernel calls ``initialize_dfk_logging`` with ``Config.initialize_logging``: ``True``
writes ``<run_dir>/parsl.log`` (``set_file_logger``), a ``parsl.logconfigs.LogConfig`` sets up
whatever it stands for, ``False`` nothing. ``set_stream_logger`` is handy in notebooks. Each
returns a callback that removes what it added.
"""

from __future__ import annotations

import logging
import pathlib
from typing import IO, TYPE_CHECKING, Any, Callable, Optional, Union

if TYPE_CHECKING:
    from parsl.logconfigs.base import LogConfig

DEFAULT_FORMAT = (
    "%(created)f %(asctime)s %(processName)s-%(process)d "
    "%(threadName)s-%(thread)d %(name)s:%(lineno)d %(funcName)s %(levelname)s: "
    "%(message)s"
)

#: Set on the default ``parsl.log`` handler: it takes per-task records when they are made, but
#: is not by itself a reason to make them (see ``listened``).
QUIET_ATTRIBUTE = "parsl_no_task_records"


def attach_handler(handler: logging.Handler, name: str, level: int, format_string: Optional[str] = None,
                   formatter: Optional[logging.Formatter] = None) -> Callable[[], None]:
    """Add ``handler`` to logger ``name`` (lowering the logger's level to ``level`` if needed).

    A handler on the ``parsl`` logger also receives ``concurrent.futures``, where exceptions that
    escape future callbacks are reported and otherwise lost. Returns the undo callback.
    """
    handler.setLevel(level)
    handler.setFormatter(formatter or logging.Formatter(format_string, datefmt="%Y-%m-%d %H:%M:%S"))
    loggers = [logging.getLogger(name)]
    if name:
        loggers.append(logging.getLogger("concurrent.futures"))
    for logger in loggers:
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)
        logger.addHandler(handler)

    def unregister() -> None:
        for logger in loggers:
            logger.removeHandler(handler)
        handler.close()

    return unregister


def set_stream_logger(name: str = "parsl", level: int = logging.DEBUG, format_string: Optional[str] = None,
                      stream: Optional[IO[str]] = None) -> Callable[[], None]:
    """Log ``name`` to ``stream`` (stderr by default); return a callback that undoes it."""
    fmt = format_string or "%(asctime)s %(name)s:%(lineno)d [%(levelname)s]  %(message)s"
    return attach_handler(logging.StreamHandler(stream), name, level, fmt)


def set_file_logger(filename: str, name: str = "parsl", level: int = logging.DEBUG,
                    format_string: Optional[str] = None) -> Callable[[], None]:
    """Log ``name`` to ``filename``; return a callback that undoes it."""
    return attach_handler(logging.FileHandler(filename), name, level, format_string or DEFAULT_FORMAT)


def initialize_dfk_logging(setting: Union[bool, LogConfig], run_dir: str) -> Optional[Callable[[], None]]:
    """Set up a DataFlowKernel's logging as ``Config.initialize_logging`` says; return the undo.

    A ``LogConfig`` that fails raises ``LogConfigError`` and leaves no handler behind.
    """
    if setting is False:
        return None
    if setting is True:
        handler = logging.FileHandler(pathlib.Path(run_dir) / "parsl.log")
        setattr(handler, QUIET_ATTRIBUTE, True)
        return attach_handler(handler, "parsl", logging.DEBUG, DEFAULT_FORMAT)
    from parsl.logconfigs.base import oneshot_initialize_logging, oneshot_uninitialize_logging

    oneshot_initialize_logging(log_config=setting, log_dir=pathlib.Path(run_dir), log_name="parsl")
    return lambda: oneshot_uninitialize_logging(log_config=setting)


def listened(logger: logging.Logger, level: int) -> bool:
    """Would a record of ``level`` on ``logger`` reach a handler that keeps it?

    The quiet default ``parsl.log`` handler and ``NullHandler``s (a library's "no handler
    configured" marker, such as the one on the ``parsl`` logger) do not count.
    Checked once when a DataFlowKernel loads, so that with nobody listening the per-task records
    cost one boolean test each. A level set explicitly on ``logger`` itself (for example
    ``parsl.dataflow.tasks`` set to DEBUG) counts as asking for the records.
    """
    if logger.level != logging.NOTSET and logger.level <= level:
        return True
    if not logger.isEnabledFor(level):
        return False
    current: Any = logger
    while current is not None:
        for handler in current.handlers:
            if handler.level <= level and not isinstance(handler, logging.NullHandler) \
                    and not getattr(handler, QUIET_ATTRIBUTE, False):
                return True
        current = current.parent if current.propagate else None
    return False
