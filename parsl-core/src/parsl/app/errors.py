"""Errors raised by apps, and the wrapper that carries an exception back from where a task ran.

Hierarchy::

    ParslError
    ├── AppException
    │   ├── BashExitFailure     (non-zero exit code; ``exitcode``)
    │   ├── AppTimeout          (``walltime`` exceeded)
    │   ├── BashAppNoReturn     (the bash app function returned None)
    │   └── UnpicklableRemoteException  (stands in for a task exception that cannot be pickled)
    ├── AppBadFormatting        (formatting the command line failed)
    ├── MissingOutputs          (declared ``outputs`` files were not created)
    └── BadStdStreamFile        (``stdout``/``stderr`` could not be opened)
        └── BadStdStreamType    (the specification has the wrong type; also typeguard's
                                 ``TypeCheckError``, as in Parsl, or a ``TypeError`` without it)
"""

from __future__ import annotations

import functools
import logging
import sys
from types import TracebackType
from typing import Any, Callable, List, Optional

from parsl.errors import ParslError

logger = logging.getLogger(__name__)


class AppException(ParslError):
    """An app failed while running; the arguments say how."""


class AppBadFormatting(ParslError):
    """A bash app's command line could not be formatted."""


class BashExitFailure(AppException):
    """A bash app's command exited with a non-zero code."""

    def __init__(self, app_name: str, exitcode: int) -> None:
        super().__init__(app_name, exitcode)
        self.app_name = app_name
        self.exitcode = exitcode

    def __str__(self) -> str:
        return f"bash_app {self.app_name} failed with unix exit code {self.exitcode}"


class AppTimeout(AppException):
    """An app ran longer than its ``walltime``."""


class BashAppNoReturn(AppException):
    """A bash app's function returned no command line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MissingOutputs(ParslError):
    """An app finished but did not create some of the files named in ``outputs``."""

    def __init__(self, reason: str, outputs: List[Any]) -> None:
        super().__init__(reason, outputs)
        self.reason = reason
        self.outputs = outputs

    def __str__(self) -> str:
        return f"Missing Outputs: {self.outputs}, Reason: {self.reason}"


class BadStdStreamFile(ParslError):
    """A ``stdout``/``stderr`` specification was invalid or the file could not be opened."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self._reason = reason

    def __str__(self) -> str:
        return f"Bad Stream File: {self._reason}"


def __getattr__(name: str) -> Any:
    """Build ``BadStdStreamType`` on first use.

    Parsl type-checks ``stdout``/``stderr`` with typeguard, so code written for Parsl catches
    ``typeguard.TypeCheckError``; importing typeguard costs more than ``import parsl``, so only
    a wrongly typed specification pays for it. The class is a module attribute once built, so
    an instance pickled on a worker unpickles here by name.
    """
    if name != "BadStdStreamType":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        from typeguard import TypeCheckError as base
    except ImportError:
        base = TypeError
    cls = type(name, (BadStdStreamFile, base), {
        "__module__": __name__,
        "__doc__": "A ``stdout``/``stderr`` specification of the wrong type (not a path or a (path, mode) pair)."})
    return globals().setdefault(name, cls)


class RemoteExceptionWrapper:
    """An exception and its traceback, in a form that survives pickling.

    Tasks return this instead of raising so that the traceback from where the task ran (a
    worker process, another machine) reaches the submitting side, where ``reraise()`` raises
    the original exception type with that traceback (via tblib), ``__cause__`` included.
    """

    def __init__(self, e_type: type, e_value: BaseException, traceback: Optional[TracebackType]) -> None:
        from tblib import Traceback

        self.e_type = e_type
        self.e_value = e_value
        self.e_traceback = None if traceback is None else Traceback(traceback)
        cause = e_value.__cause__
        self.cause = None if cause is None else type(self)(type(cause), cause, cause.__traceback__)

    def reraise(self) -> None:
        """Raise the wrapped exception, with its remote traceback."""
        raise self.get_exception()

    def get_exception(self) -> BaseException:
        """The wrapped exception, with its remote traceback and cause restored."""
        v = self.e_value
        if self.cause is not None:
            v.__cause__ = self.cause.get_exception()
        if self.e_traceback is not None:
            return v.with_traceback(self.e_traceback.as_traceback())
        return v

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["e_value"] = _picklable_exception(self.e_value)
        if state["e_value"] is not self.e_value:
            state["e_type"] = type(state["e_value"])
        return state


class UnpicklableRemoteException(AppException):
    """Stands in for a task's exception that could not itself be pickled."""


def _picklable_exception(e: BaseException) -> BaseException:
    """``e`` if it pickles, else an ``UnpicklableRemoteException`` with its type and message."""
    import pickle

    try:
        pickle.dumps(e)
        return e
    except Exception:
        return UnpicklableRemoteException(f"{type(e).__module__}.{type(e).__qualname__}: {e}")


def wrap_error(func: Callable[..., Any]) -> Callable[..., Any]:
    """Make ``func`` return a ``RemoteExceptionWrapper`` instead of raising."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception:
            return RemoteExceptionWrapper(*sys.exc_info())

    return wrapper
