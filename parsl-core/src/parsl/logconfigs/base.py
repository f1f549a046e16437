"""``LogConfig``, the base of every logging configuration, and reference-counted set-up.

Several Parsl components in one interpreter may be handed the same configuration (the
DataFlowKernel, an executor's helper running in-process); ``oneshot_initialize_logging`` sets
it up once and ``oneshot_uninitialize_logging`` undoes it when the last user lets go. A
configuration is identified by the ``uuid`` it gets at construction, which survives pickling,
so copies that travelled to another process count as the same configuration.
"""

from __future__ import annotations

import abc
import logging
import pathlib
import threading
import uuid
from typing import Callable

import attrs

from parsl.errors import ConfigurationError

logger = logging.getLogger(__name__)


class LogConfigError(ConfigurationError):
    """A logging configuration failed while setting itself up."""


class LogConfig(abc.ABC):
    """Sets up Python logging for a Parsl process, and says how to undo it.

    Subclasses implement ``initialize_logging``. Parsl-style subclasses call
    ``super().__init__()``; settings (attrs) subclasses get their ``uuid`` before their fields
    are set.
    """

    uuid: uuid.UUID

    def __init__(self) -> None:
        self.uuid = uuid.uuid4()

    def __attrs_pre_init__(self) -> None:
        self.uuid = uuid.uuid4()

    @abc.abstractmethod
    def initialize_logging(self, *, log_dir: pathlib.Path, log_name: str) -> Callable[[], None]:
        """Configure logging in this process; return a callback that removes what was added."""


@attrs.define
class _Initialized:
    uninit_callback: Callable[[], None]
    count: int = 1


_initialized_log_contexts: dict[uuid.UUID, _Initialized] = {}
_lock = threading.Lock()


def oneshot_initialize_logging(*, log_config: LogConfig, log_dir: pathlib.Path, log_name: str) -> None:
    """Initialize ``log_config`` unless already done in this interpreter; count the reference.

    A configuration that raises is wrapped in ``LogConfigError`` and leaves no handler behind:
    handlers it attached before failing are removed.
    """
    with _lock:
        entry = _initialized_log_contexts.get(log_config.uuid)
        if entry is not None:
            entry.count += 1
            return
        before = _handlers()
        try:
            uninitialize = log_config.initialize_logging(log_dir=log_dir, log_name=log_name)
        except Exception as e:
            _remove_handlers_added_since(before)
            raise LogConfigError(f"initialize_logging={log_config!r} failed to set up logging: "
                                 f"{type(e).__name__}: {e}") from e
        if not callable(uninitialize):
            _remove_handlers_added_since(before)
            raise LogConfigError(f"{type(log_config).__qualname__}.initialize_logging must return a callable "
                                 f"that undoes it, not {uninitialize!r}")
        _initialized_log_contexts[log_config.uuid] = _Initialized(uninitialize)
    logger.debug("Initialized logging configuration %r", log_config)


def oneshot_uninitialize_logging(*, log_config: LogConfig) -> None:
    """Drop one reference to ``log_config``; the last one undoes its set-up."""
    with _lock:
        entry = _initialized_log_contexts.get(log_config.uuid)
        if entry is None:
            raise LogConfigError(f"logging configuration {log_config!r} is not initialized in this process")
        entry.count -= 1
        if entry.count:
            return
        del _initialized_log_contexts[log_config.uuid]
    entry.uninit_callback()


def _loggers() -> list[logging.Logger]:
    manager = logging.Logger.manager
    return [logging.getLogger(), *(lg for lg in list(manager.loggerDict.values()) if isinstance(lg, logging.Logger))]


def _handlers() -> set[tuple[int, int]]:
    return {(id(lg), id(h)) for lg in _loggers() for h in lg.handlers}


def _remove_handlers_added_since(before: set[tuple[int, int]]) -> None:
    for lg in _loggers():
        for h in list(lg.handlers):
            if (id(lg), id(h)) not in before:
                lg.removeHandler(h)
                h.close()
