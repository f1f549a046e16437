"""Attach log handlers to Parsl's loggers.

The DataFlowKernel calls ``set_file_logger`` for ``<run_dir>/parsl.log``; ``set_stream_logger``
is handy in notebooks. Both return a callback that removes what they added.
"""

from __future__ import annotations

import logging
from typing import IO, Callable, Optional

DEFAULT_FORMAT = (
    "%(created)f %(asctime)s %(processName)s-%(process)d "
    "%(threadName)s-%(thread)d %(name)s:%(lineno)d %(funcName)s %(levelname)s: "
    "%(message)s"
)


def _attach(handler: logging.Handler, name: str, level: int, format_string: str) -> Callable[[], None]:
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(format_string, datefmt="%Y-%m-%d %H:%M:%S"))
    logger = logging.getLogger(name)
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    # exceptions escaping future callbacks are reported on this logger and otherwise lost
    futures_logger = logging.getLogger("concurrent.futures")
    futures_logger.addHandler(handler)

    def unregister() -> None:
        logger.removeHandler(handler)
        futures_logger.removeHandler(handler)
        handler.close()

    return unregister


def set_stream_logger(name: str = "parsl", level: int = logging.DEBUG, format_string: Optional[str] = None,
                      stream: Optional[IO[str]] = None) -> Callable[[], None]:
    """Log ``name`` to ``stream`` (stderr by default); return a callback that undoes it."""
    fmt = format_string or "%(asctime)s %(name)s:%(lineno)d [%(levelname)s]  %(message)s"
    return _attach(logging.StreamHandler(stream), name, level, fmt)


def set_file_logger(filename: str, name: str = "parsl", level: int = logging.DEBUG,
                    format_string: Optional[str] = None) -> Callable[[], None]:
    """Log ``name`` to ``filename``; return a callback that undoes it."""
    return _attach(logging.FileHandler(filename), name, level, format_string or DEFAULT_FORMAT)
