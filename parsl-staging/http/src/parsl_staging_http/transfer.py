"""Moving bytes over HTTP(S) with the standard library (no third-party client to import)."""

from __future__ import annotations

import shutil

from parsl.data_provider.staging_errors import StagingError, describe

#: Seconds without progress before a download is abandoned.
TIMEOUT = 60.0


def fetch(url: str, path: str, timeout: float = TIMEOUT) -> None:
    """Download ``url`` to the new file ``path``; HTTPS is verified against the system CAs.

    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` name other trusted certificates, as for any OpenSSL
    client. A short body (fewer bytes than ``Content-Length``) is an error.
    """
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(path, "xb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
            expected = resp.headers.get("Content-Length")
            if expected is not None and out.tell() != int(expected):
                raise StagingError(url, f"connection closed after {out.tell()} of {expected} bytes")
    except urllib.error.HTTPError as e:
        raise StagingError(url, f"HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        reason = e.reason
        raise StagingError(url, describe(reason) if isinstance(reason, BaseException) else str(reason)) from None
