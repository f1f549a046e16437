"""A site's data directory, operated through its channel: sandboxes, the cache, checksums.

``<root>/cache/<sha256>`` holds each file the site has produced or received, once, named by
content; ``<root>/sandbox/<id>/<name>`` is where one task finds an input (a hard link into the
cache) or writes an output. The cache is bounded: after each addition the least recently used
files beyond ``cache_size`` bytes are removed. Every operation is one shell command through the
channel (so one round trip over SSH, with the channel's timeout), in POSIX sh and coreutils.
"""

from __future__ import annotations

import posixpath
import shlex
import threading
import uuid
from typing import TYPE_CHECKING, List, Optional, Tuple

from parsl.data_provider.staging_errors import StagingError

if TYPE_CHECKING:
    from parsl.channels.base import Channel

#: Marks a file being received into the cache; such files are never linked nor evicted.
PARTIAL = ".partial-"

_EVICT = """cd -- {cache} || exit 0
total=0
for f in $(ls -t); do
  case $f in *{partial}*) continue;; esac
  s=$(stat -c %s -- "$f") || continue
  total=$((total + s))
  if [ "$total" -gt {limit} ]; then rm -f -- "$f" && echo "$f"; fi
done"""


class SiteStore:
    """The data directory ``root`` of site ``name`` (``~/.parsl/data`` there when not given)."""

    def __init__(self, name: str, channel: Channel, root: Optional[str], cache_size: int) -> None:
        self.name = name
        self.channel = channel
        self.wanted_root = root or ".parsl/data"
        self.cache_size = cache_size
        self._root: Optional[str] = None
        self._lock = threading.Lock()

    @property
    def host(self) -> str:
        return getattr(self.channel, "where", self.channel.hostname)

    def error(self, url: str, what: str, detail: str = "") -> StagingError:
        """A StagingError naming this site and its host."""
        detail = "; ".join(ln.strip() for ln in detail.strip().splitlines()[:3] if ln.strip())
        return StagingError(url, f"site {self.name!r} ({self.host}): {what}" + (f": {detail}" if detail else ""))

    def run(self, url: str, what: str, script: str) -> str:
        """Run ``script`` on the site; its stdout, or the StagingError saying ``what`` failed."""
        result = self.channel.execute_wait(script)
        if result.retcode != 0:
            raise self.error(url, what, result.stderr or result.stdout)
        return result.stdout

    @property
    def root(self) -> str:
        """The absolute data directory on the site (created on first use)."""
        with self._lock:
            if self._root is None:
                q = shlex.quote(self.wanted_root)
                out = self.run(self.wanted_root, "cannot create the data directory",
                               f"mkdir -p -- {q}/cache {q}/sandbox && cd -- {q} && pwd -P")
                self._root = out.strip().splitlines()[-1]
            return self._root

    @property
    def cache(self) -> str:
        return posixpath.join(self.root, "cache")

    def blob(self, sha256: str) -> str:
        return posixpath.join(self.cache, sha256)

    def partial(self, sha256: str) -> str:
        return posixpath.join(self.cache, f"{sha256}{PARTIAL}{uuid.uuid4().hex[:12]}")

    def sandbox_path(self, filename: str) -> str:
        """A fresh sandbox for one file of one task.

        Called when a task is submitted: with an absolute ``root`` it costs nothing (the worker or
        the staging task makes the directory), so a site that is down delays no submission.
        """
        base = self.wanted_root if posixpath.isabs(self.wanted_root) else self.root
        return posixpath.join(base, "sandbox", uuid.uuid4().hex, filename)

    def checksum(self, url: str, path: str) -> Tuple[str, int]:
        """The sha256 and size of ``path`` on the site."""
        q = shlex.quote(path)
        out = self.run(url, f"cannot read {path}", f"sha256sum -- {q} && stat -c %s -- {q}").split()
        return out[0], int(out[-1])

    def verify_and_install(self, url: str, partial: str, sha256: str) -> str:
        """Check the received ``partial`` against ``sha256`` and rename it into the cache (one round trip)."""
        p, blob = shlex.quote(partial), self.blob(sha256)
        script = (f"got=$(sha256sum -- {p}) || exit 1; got=${{got%% *}}; "
                  f"if [ \"$got\" != {sha256} ]; then rm -f -- {p}; echo \"$got\"; exit 4; fi; "
                  f"mv -f -- {p} {shlex.quote(blob)}")
        result = self.channel.execute_wait(script)
        if result.retcode == 4:
            raise self.error(url, f"checksum mismatch after transfer: expected sha256 {sha256}, "
                             f"got {result.stdout.strip()}")
        if result.retcode != 0:
            raise self.error(url, "cannot install the received file", result.stderr)
        return blob

    def adopt(self, url: str, path: str, sha256: str) -> str:
        """Move a task's output ``path`` into the cache (its sandbox goes); the cached path."""
        blob = self.blob(sha256)
        self.run(url, f"cannot keep {path}", f"mv -f -- {shlex.quote(path)} {shlex.quote(blob)} && "
                 f"rmdir -- {shlex.quote(posixpath.dirname(path))} 2>/dev/null; true")
        return blob

    def link(self, url: str, blob: str, dest: str) -> bool:
        """Give a task the cached ``blob`` at ``dest`` (a hard link); False if it was evicted meanwhile."""
        b, d = shlex.quote(blob), shlex.quote(dest)
        script = (f"test -f {b} || exit 3; touch -c -- {b}; mkdir -p -- \"$(dirname -- {d})\" && "
                  f"{{ ln -f -- {b} {d} 2>/dev/null || cp -- {b} {d}; }}")
        result = self.channel.execute_wait(script)
        if result.retcode == 3:
            return False
        if result.retcode != 0:
            raise self.error(url, f"cannot place the file at {dest}", result.stderr)
        return True

    def evict(self) -> List[str]:
        """Remove the least recently used cache files beyond ``cache_size``; their paths."""
        out = self.run("", "cannot trim the cache", _EVICT.format(cache=shlex.quote(self.cache), partial=PARTIAL,
                                                                  limit=int(self.cache_size)))
        return [self.blob(name) for name in out.split()]

    def remove(self, path: str) -> None:
        self.channel.execute_wait(f"rm -f -- {shlex.quote(path)}")
