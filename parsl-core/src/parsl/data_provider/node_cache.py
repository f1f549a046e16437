"""``NodeCache``: downloads kept on a node, by content, so the next task there fetches nothing."""

from __future__ import annotations

import hashlib
import logging
import os

from parsl.data_provider.atomic_files import PARTIAL_MARKER, install_atomically, partial_path, remove_if_present
from parsl.data_provider.checksums import expected_checksum, without_fragment
from parsl.data_provider.staging_errors import describe, redact

logger = logging.getLogger(__name__)

#: Default size limit of a node cache, in bytes.
DEFAULT_CACHE_SIZE = 1 << 30


class NodeCache:
    """A content-addressed cache of downloaded files on one node, bounded in size.

    ``blobs/<sha256>`` holds each distinct content once; ``urls/<sha256 of the URL>`` records
    which content a URL last had. A URL carrying ``#sha256=...`` is looked up by content
    directly. When the blobs exceed ``max_bytes`` the least recently used go first. Every
    write is a rename, so concurrent tasks and workers on the node can share the cache; a
    cache that cannot be written (full disk, read-only) only costs a fetch, never a task.

    The cache treats URLs as immutable: a URL whose content changes should carry a checksum
    fragment, or the provider should be given ``cache_size=0``. ``directory`` is resolved on
    the node at first use: ``$PARSL_STAGING_CACHE_DIR``, else ``~/.cache/parsl/staging``.
    """

    def __init__(self, directory: str | None = None, max_bytes: int = DEFAULT_CACHE_SIZE):
        self.directory = directory
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"NodeCache(directory={self.directory!r}, max_bytes={self.max_bytes!r})"

    @property
    def root(self) -> str:
        return (self.directory or os.environ.get("PARSL_STAGING_CACHE_DIR")
                or os.path.join(os.path.expanduser("~"), ".cache", "parsl", "staging"))

    def _blob(self, digest: str) -> str:
        return os.path.join(self.root, "blobs", digest)

    def _index(self, url: str) -> str:
        key = hashlib.sha256(without_fragment(url).encode()).hexdigest()
        return os.path.join(self.root, "urls", key)

    def lookup(self, url: str) -> str | None:
        """The cached blob holding ``url``'s content, or None; a hit counts as a use."""
        checksum = expected_checksum(url)
        if checksum and checksum[0] == "sha256":
            digest: str | None = checksum[1]
        else:
            try:
                with open(self._index(url)) as f:
                    digest = f.readline().strip()
            except OSError:
                return None
        blob = self._blob(digest or "")
        try:
            os.utime(blob)
        except OSError:
            return None
        return blob

    def add(self, url: str, path: str, digest: str) -> None:
        """Remember that ``url`` has the content of ``path`` (whose sha256 is ``digest``)."""
        if os.path.getsize(path) > self.max_bytes:
            return
        try:
            blob = self._blob(digest)
            if not os.path.exists(blob):
                install_atomically(path, blob)
            index = self._index(url)
            os.makedirs(os.path.dirname(index), exist_ok=True)
            tmp = partial_path(index)
            with open(tmp, "w") as f:
                f.write(f"{digest}\n{redact(without_fragment(url))}\n")
            os.replace(tmp, index)
            self.evict()
        except OSError as e:
            logger.warning("Not caching %s in %s: %s", redact(url), self.root, describe(e))

    def evict(self) -> None:
        """Remove least recently used blobs until the cache fits in ``max_bytes``."""
        blobs_dir = os.path.join(self.root, "blobs")
        entries = []
        for entry in os.scandir(blobs_dir):
            if PARTIAL_MARKER in entry.name:
                continue
            try:
                st = entry.stat()
            except FileNotFoundError:
                continue
            entries.append((st.st_mtime, st.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            remove_if_present(path)
            total -= size

    def size(self) -> int:
        """Bytes held in blobs now."""
        blobs_dir = os.path.join(self.root, "blobs")
        if not os.path.isdir(blobs_dir):
            return 0
        return sum(e.stat().st_size for e in os.scandir(blobs_dir) if PARTIAL_MARKER not in e.name)
