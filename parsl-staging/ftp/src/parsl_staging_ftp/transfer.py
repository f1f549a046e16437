"""Moving bytes over FTP with the standard library's ftplib.

``ftp://user:password@host:port/path``: without a user the login is anonymous, as in Parsl.
Percent-escapes in the user, password and path are decoded.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator
from urllib.parse import unquote, urlsplit

from parsl.data_provider.staging_errors import StagingError, describe

if TYPE_CHECKING:
    import ftplib

#: Seconds without progress before a transfer is abandoned.
TIMEOUT = 60.0


@contextmanager
def _session(url: str, timeout: float) -> Iterator[tuple[ftplib.FTP, str]]:
    """A logged-in connection to the URL's server and the URL's path on it."""
    import ftplib

    parts = urlsplit(url)
    ftp = ftplib.FTP(timeout=timeout)
    try:
        ftp.connect(parts.hostname or "localhost", parts.port or 21)
        ftp.login(unquote(parts.username or "anonymous"), unquote(parts.password or ""))
        yield ftp, unquote(parts.path)
    except ftplib.Error as e:
        raise StagingError(url, str(e).strip()) from None
    except ftplib.all_errors as e:
        raise StagingError(url, describe(e)) from None
    finally:
        ftp.close()


def fetch(url: str, path: str, timeout: float = TIMEOUT) -> None:
    """Download ``url`` to the new file ``path``, checking its size when the server says it."""
    import ftplib

    with _session(url, timeout) as (ftp, remote), open(path, "xb") as out:
        ftp.voidcmd("TYPE I")
        try:
            expected = ftp.size(remote)
        except ftplib.error_perm:
            expected = None
        ftp.retrbinary(f"RETR {remote}", out.write)
        if expected is not None and out.tell() != expected:
            raise StagingError(url, f"received {out.tell()} of {expected} bytes")


def upload(path: str, url: str, timeout: float = TIMEOUT) -> None:
    """Upload ``path`` to ``url`` under a temporary name, then rename it into place."""
    import ftplib

    with _session(url, timeout) as (ftp, remote):
        head, tail = os.path.split(remote)
        partial = os.path.join(head, f".{tail}.parsl-partial-{uuid.uuid4().hex}")
        try:
            with open(path, "rb") as src:
                ftp.storbinary(f"STOR {partial}", src)
            ftp.rename(partial, remote)
        except BaseException:
            try:
                ftp.delete(partial)
            except ftplib.all_errors:
                pass
            raise
