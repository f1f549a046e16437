"""Small helpers Parsl users and plugins import from ``parsl.utils``."""

from __future__ import annotations

import inspect
import logging
import os
import re
import threading
import time
from contextlib import contextmanager
from types import TracebackType
from typing import IO, Any, Callable, Iterator, List, Optional, Sequence, Tuple, Type, Union

from parsl.providers.shell import execute_wait
from parsl.version import VERSION

logger = logging.getLogger(__name__)


def get_version() -> str:
    """The version of parsl-core."""
    return VERSION


def get_all_checkpoints(rundir: str = "runinfo") -> Sequence[str]:
    """The checkpoint directories of every run under ``rundir``, oldest first."""
    if not os.path.isdir(rundir):
        return []
    runs = sorted((d for d in os.listdir(rundir) if d.isdigit()), key=int)
    paths = (os.path.abspath(os.path.join(rundir, d, "checkpoint")) for d in runs)
    return [p for p in paths if os.path.isdir(p)]


def get_last_checkpoint(rundir: str = "runinfo") -> Sequence[str]:
    """The checkpoint directory of the most recent run that has one, as a 0- or 1-element list."""
    return list(get_all_checkpoints(rundir)[-1:])


def get_std_fname_mode(fdname: str, stdfspec: Any) -> Tuple[str, str]:
    """Turn a ``stdout``/``stderr`` specification (path or ``(path, mode)``) into ``(path, mode)``."""
    from parsl.app import errors

    if isinstance(stdfspec, (str, os.PathLike)):
        fname, mode = stdfspec, "a+"
    elif isinstance(stdfspec, tuple):
        if len(stdfspec) != 2:
            raise errors.BadStdStreamType(f"std descriptor {fdname} has incorrect tuple length {len(stdfspec)}")
        fname, mode = stdfspec
    else:
        raise errors.BadStdStreamType(
            f"std descriptor {fdname} has unexpected type {type(stdfspec).__name__}: {stdfspec!r}")
    if not isinstance(fname, (str, bytes, os.PathLike)):
        raise errors.BadStdStreamType(f"std descriptor {fdname} has a path that is not a str or os.PathLike: {fname!r}")
    path = os.fspath(fname)
    if isinstance(path, bytes):
        path = path.decode()
    if not isinstance(mode, str):
        raise errors.BadStdStreamType(f"std descriptor {fdname} has a mode that is not a str: {mode!r}")
    return path, mode


@contextmanager
def wait_for_file(path: str, seconds: float = 10) -> Iterator[None]:
    """Wait up to ``seconds`` for ``path`` to exist, then run the block (whether it appeared or not)."""
    deadline = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(min(0.05, seconds / 100))
    yield


@contextmanager
def time_limited_open(path: str, mode: str, seconds: float = 1) -> Iterator[IO]:
    """Open ``path`` once it exists (waiting up to ``seconds``); close it after the block."""
    with wait_for_file(path, seconds):
        pass
    with open(path, mode) as f:
        yield f


def wtime_to_minutes(time_string: str) -> int:
    """Convert an ``HH:MM:SS`` wall-clock time into whole minutes."""
    hours, mins, _ = time_string.split(":")
    total = int(hours) * 60 + int(mins)
    if total < 1:
        logger.warning("Time string %r parsed to %s minutes, less than 1", time_string, total)
    return total


class RepresentationMixin:
    """A ``__repr__`` that reads like the constructor call that would rebuild the object.

    Every constructor argument must be stored as an attribute of the same name. Settings
    classes (``@settings``) do not need this: attrs gives them such a repr already.
    """

    __max_width__ = 80
    _validate_repr = False

    def __repr__(self) -> str:
        init = self.__init__  # type: ignore[misc]
        init = getattr(init, "__wrapped__", init)
        spec = inspect.getfullargspec(init)
        names = spec.args[1:]
        defaults = spec.defaults or ()
        positional = names[:len(names) - len(defaults)]
        keywords = names[len(names) - len(defaults):] + list(spec.kwonlyargs)
        if self._validate_repr:
            for name in names + list(spec.kwonlyargs):
                if not hasattr(self, name):
                    raise AttributeError(f"class {type(self).__name__} uses {name} in the constructor, "
                                         f"but does not define it as an attribute")
        missing = "<unrecorded>"
        args = [repr(getattr(self, a, missing)) for a in positional]
        kwargs = [f"{k}={getattr(self, k, missing)!r}" for k in sorted(keywords)]
        line = f"{type(self).__name__}({', '.join(args + kwargs)})"
        if len(line) <= self.__max_width__:
            return line
        body = ",".join(f"\n    {part}" for part in args + kwargs)
        return f"{type(self).__name__}({body}\n)"


class AtomicIDCounter:
    """Hands out 0, 1, 2, ... safely from any thread."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def get_id(self) -> int:
        with self.lock:
            new_id = self.count
            self.count += 1
            return new_id


class Timer:
    """Call ``callback(*args)`` every ``interval`` seconds on a daemon thread until ``close()``."""

    def __init__(self, callback: Callable, *args: Any, interval: Union[float, int] = 5,
                 name: Optional[str] = None) -> None:
        self.callback = callback
        self.args = args
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"Timer-Thread-{name or id(self)}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.callback(*self.args)
            except Exception:
                logger.exception("Timer callback %r raised", self.callback)

    def close(self, timeout: Optional[float] = None) -> None:
        """Stop the timer; a callback already running finishes first."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)


class AutoCancelTimer(threading.Timer):
    """A ``threading.Timer`` as a context manager: cancelled when the block ends."""

    def __enter__(self) -> AutoCancelTimer:
        self.start()
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc_val: Optional[BaseException],
                 exc_tb: Optional[TracebackType]) -> None:
        self.cancel()


def sanitize_dns_label_rfc1123(raw_string: str) -> str:
    """Make ``raw_string`` a valid RFC 1123 DNS label (lower case, alphanumerics and '-', <= 63 chars)."""
    label = re.sub(r"[^a-z0-9-]", "-", raw_string.lower())
    label = re.sub(r"-+", "-", label)[:63].strip("-")
    if not label:
        raise ValueError(f"Sanitized DNS label is empty for input '{raw_string}'")
    return label


def sanitize_dns_subdomain_rfc1123(raw_string: str) -> str:
    """Make ``raw_string`` a valid RFC 1123 DNS subdomain (dot-separated labels, <= 253 chars)."""
    sub = re.sub(r"[^a-z0-9.-]", "-", raw_string.lower())
    sub = re.sub(r"-+", "-", sub)
    sub = re.sub(r"\.+", ".", sub)
    sub = ".".join(part.strip("-") for part in sub.split("."))[:253].strip(".-")
    if not sub:
        raise ValueError(f"Sanitized DNS subdomain is empty for input '{raw_string}'")
    return sub


__all__: List[str] = [
    "AtomicIDCounter", "AutoCancelTimer", "RepresentationMixin", "Timer", "execute_wait",
    "get_all_checkpoints", "get_last_checkpoint", "get_std_fname_mode", "get_version",
    "sanitize_dns_label_rfc1123", "sanitize_dns_subdomain_rfc1123", "time_limited_open", "wait_for_file",
    "wtime_to_minutes",
]
