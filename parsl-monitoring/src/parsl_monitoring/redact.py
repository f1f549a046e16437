"""Hide the secrets of database URLs wherever a URL is shown: reprs, logs, messages, ``parsl config show``.

Standard library only, so that the plugin's registration stays cheap (no SQLAlchemy import).
"""

from __future__ import annotations

import re

HIDDEN = "***"
_SECRET_QUERY = re.compile(r"(?i)([?&](?:password|passwd|pwd|token|secret|api_key|access_token)=)[^&#]*")


def hide_password(url: str) -> str:
    """``url`` with the password of its user part and any secret query parameter replaced by ``***``.

    ``postgresql://alice:s3cret@db/parsl?token=x`` becomes
    ``postgresql://alice:***@db/parsl?token=***``; a URL without secrets is returned as is.
    """
    scheme, sep, rest = url.partition("://")
    if sep:
        netloc, slash, tail = rest.partition("/")
        userinfo, at, host = netloc.rpartition("@")
        if at and ":" in userinfo:
            rest = f"{userinfo.split(':', 1)[0]}:{HIDDEN}@{host}{slash}{tail}"
        url = f"{scheme}://{rest}"
    return _SECRET_QUERY.sub(lambda m: m.group(1) + HIDDEN, url)


def repr_url(url: object) -> str:
    """The repr of a URL setting, its secrets hidden (an attrs ``repr=`` callable)."""
    return repr(hide_password(url)) if isinstance(url, str) else repr(url)
