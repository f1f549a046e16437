"""``cloud_call``: run one cloud API call and turn the client library's error into ``CloudError``.

Each cloud plugin says how to read its library's exceptions (``describe``: the cloud's error code
and message, or ``None`` for an exception that is not the cloud's); the rest is the same for all.
"""

from __future__ import annotations

from typing import Callable, Optional, Tuple, TypeVar

from parsl.providers.cloud.errors import CloudError

T = TypeVar("T")

#: An exception of the client library -> (the cloud's error code, its message), or None if not the cloud's.
Describe = Callable[[BaseException], Optional[Tuple[str, str]]]


def cloud_call(provider: str, action: str, resource: str, call: Callable[[], T], describe: Describe,
               passing: Tuple[type[BaseException], ...] = ()) -> T:
    """``call()``; an error ``describe`` recognises is raised as ``CloudError`` naming ``action`` and
    ``resource``; ``passing`` exceptions (a "not found" the caller handles) propagate unchanged."""
    try:
        return call()
    except passing:
        raise
    except Exception as e:
        described = describe(e)
        if described is None:
            raise
        raise CloudError(provider, action, *described, resource=resource) from e
