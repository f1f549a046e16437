"""``StagingError``, and how staging code describes a failure without leaking a password."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from parsl.errors import ParslError


class StagingError(ParslError):
    """Moving a file to or from where a task runs failed.

    ``url`` is the file's URL with any password removed; ``cause`` says what went wrong
    (``HTTP 404 Not Found``, ``530 Login incorrect.``, ``No space left on device``).
    """

    def __init__(self, url: str, cause: str, direction: str = "in"):
        self.url = redact(url)
        self.cause = cause
        self.direction = direction
        super().__init__(self.url, cause, direction)

    def __str__(self) -> str:
        return f"staging {self.direction} {self.url} failed: {self.cause}"


def redact(url: str) -> str:
    """``url`` without the password of its user-info part, fit for errors and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def describe(exc: BaseException) -> str:
    """A one-line cause for ``exc``, without the library's traceback."""
    if isinstance(exc, StagingError):
        return exc.cause
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
