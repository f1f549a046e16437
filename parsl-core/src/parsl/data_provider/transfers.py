"""Moving one file for a protocol plugin: a verified, atomic ``fetch_to`` and ``upload_from``.

A protocol plugin only says how to move bytes: a ``Fetch`` callable ``fetch(url, path)`` that
writes the whole remote file to ``path``, and for stage-out an ``Upload`` callable
``upload(path, url)``. These functions add what every protocol needs: the download lands in a
hidden partial file renamed into place only when it is complete and its checksum (``#sha256=...``
on the URL) matches, the node cache is consulted and filled, and every failure becomes a
``StagingError`` naming the URL and the cause.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from parsl.data_provider.atomic_files import install_atomically, partial_path, remove_if_present
from parsl.data_provider.checksums import expected_checksum, file_digest, without_fragment
from parsl.data_provider.node_cache import NodeCache
from parsl.data_provider.staging_errors import StagingError, describe, redact

logger = logging.getLogger(__name__)

#: ``fetch(url, path)``: write the complete content of ``url`` to the new file ``path``.
Fetch = Callable[[str, str], None]
#: ``upload(path, url)``: send the local file ``path`` to ``url``.
Upload = Callable[[str, str], None]


def fetch_to(url: str, dest: str, fetch: Fetch, cache: NodeCache | None = None) -> None:
    """Make ``dest`` a complete, verified copy of ``url``, or raise ``StagingError``.

    A cache hit copies from the node cache and fetches nothing. Otherwise ``fetch`` writes to
    a temporary file beside ``dest``, which is checked against the URL's checksum, renamed to
    ``dest`` and added to the cache. On any failure the temporary file is removed.
    """
    checksum = expected_checksum(url)
    blob = cache.lookup(url) if cache is not None and cache.max_bytes > 0 else None
    if blob is not None:
        try:
            install_atomically(blob, dest)
            logger.debug("Staged %s from the node cache %s", redact(url), blob)
            return
        except FileNotFoundError:
            logger.debug("Cache entry for %s vanished; fetching", redact(url))
        except OSError as e:
            raise StagingError(url, describe(e)) from None
    tmp = partial_path(dest)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
        fetch(without_fragment(url), tmp)
        if not os.path.isfile(tmp):
            raise StagingError(url, "the transfer completed but produced no file")
        digest = file_digest(tmp)
        if checksum:
            got = digest if checksum[0] == "sha256" else file_digest(tmp, checksum[0])
            if got != checksum[1]:
                raise StagingError(url, f"checksum mismatch: expected {checksum[0]} {checksum[1]}, got {got}")
        os.replace(tmp, dest)
    except StagingError:
        raise
    except Exception as e:
        raise StagingError(url, describe(e)) from None
    finally:
        remove_if_present(tmp)
    if cache is not None and cache.max_bytes > 0:
        cache.add(url, dest, digest)


def upload_from(path: str, url: str, upload: Upload) -> None:
    """Send ``path`` to ``url`` with ``upload``, or raise ``StagingError`` naming both."""
    if not os.path.isfile(path):
        raise StagingError(url, f"the task did not produce {path}", direction="out")
    try:
        upload(path, without_fragment(url))
    except StagingError as e:
        raise StagingError(url, e.cause, direction="out") from None
    except Exception as e:
        raise StagingError(url, describe(e), direction="out") from None
