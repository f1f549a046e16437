"""Checksums asked for in a URL fragment (``#sha256=ab12...``), and file digests to check them."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

from parsl.data_provider.staging_errors import StagingError

_CHUNK = 1 << 20


def expected_checksum(url: str) -> tuple[str, str] | None:
    """The ``(algorithm, hexdigest)`` a URL fragment such as ``#sha256=ab12...`` asks for."""
    fragment = urlsplit(url).fragment
    algorithm, sep, digest = fragment.partition("=")
    if not sep:
        return None
    algorithm = algorithm.lower()
    if algorithm not in hashlib.algorithms_guaranteed:
        raise StagingError(url, f"unknown checksum algorithm {algorithm!r} in the URL fragment")
    return algorithm, digest.lower()


def without_fragment(url: str) -> str:
    """``url`` as sent to the server: the checksum fragment is ours, not the server's."""
    return urlunsplit(urlsplit(url)._replace(fragment=""))


def file_digest(path: str, algorithm: str = "sha256") -> str:
    """The hex digest of the file at ``path``."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()
