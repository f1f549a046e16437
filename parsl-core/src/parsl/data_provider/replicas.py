"""Where each file lives: the copies (replicas) of a file on the workflow's sites.

A task that produces a file on site A leaves it there; the DataManager records the copy so
that a task on site B is given the file by a transfer from A (point to point), and a second
task on B uses the copy B already holds. The registry is keyed by the File's URL, which is what
a DataFuture hands on from producer to consumer.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Tuple

import attrs

if TYPE_CHECKING:
    from parsl.channels.base import Channel

#: The site name of the machine the workflow runs on.
SUBMIT_SITE = "submit"


@attrs.frozen
class Replica:
    """One complete, verified copy: on ``site`` (reached through ``channel``) at ``path``."""

    site: str
    channel: Channel = attrs.field(eq=False, repr=False)
    path: str
    sha256: str
    size: int


class ReplicaRegistry:
    """The replicas of every file the workflow has moved or produced, by URL (thread safe).

    ``claim(url, site)`` serialises the work of putting one file on one site, so that two tasks
    on that site that need the same file start one transfer, not two.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replicas: Dict[str, Dict[str, Replica]] = {}
        self._claims: Dict[Tuple[str, str], threading.Lock] = {}

    def add(self, url: str, replica: Replica) -> None:
        with self._lock:
            self._replicas.setdefault(url, {})[replica.site] = replica

    def get(self, url: str, site: str) -> Optional[Replica]:
        with self._lock:
            return self._replicas.get(url, {}).get(site)

    def of(self, url: str) -> List[Replica]:
        """The replicas of ``url``, the oldest (where it was produced) first."""
        with self._lock:
            return list(self._replicas.get(url, {}).values())

    def forget(self, site: str, paths: List[str]) -> None:
        """Drop the replicas on ``site`` at ``paths`` (evicted from its cache)."""
        gone = set(paths)
        with self._lock:
            for replicas in self._replicas.values():
                replica = replicas.get(site)
                if replica is not None and replica.path in gone:
                    del replicas[site]

    def sites(self, url: str) -> List[str]:
        """The sites holding a copy of ``url``: where the File lives now."""
        return [r.site for r in self.of(url)]

    def claim(self, url: str, site: str) -> threading.Lock:
        with self._lock:
            return self._claims.setdefault((url, site), threading.Lock())

    def __iter__(self) -> Iterator[Tuple[str, Replica]]:
        with self._lock:
            items = [(url, r) for url, rs in self._replicas.items() for r in rs.values()]
        return iter(items)
