"""How a file gets from one site to another: point to point, or through the submit side.

A ``Mover`` (the rsync plugin's, or ``CopyMover`` for sites on this machine) knows how to copy
bytes over channels; ``move`` decides the route. The copy goes straight from the source site to
the destination (``direct``); only when the source cannot reach the destination does it go
through a temporary file here (``relay``), and that pair of sites is remembered as unreachable.
Files that live here are pushed (``upload``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from typing import TYPE_CHECKING, Protocol, Set, Tuple

from parsl.channels.local import LocalChannel
from parsl.data_provider.replicas import SUBMIT_SITE, Replica

if TYPE_CHECKING:
    from parsl.channels.base import Channel
    from parsl.data_provider.site_store import SiteStore


class MoveFailed(Exception):
    """A copy failed; the message is what the transfer tool said."""


class Mover(Protocol):
    """Copies one file over channels; each method raises ``MoveFailed`` with the tool's message."""

    def pull(self, src: Channel, path: str, local: str) -> None:
        """Copy ``path`` on ``src``'s host to ``local`` here."""

    def push(self, local: str, dst: Channel, path: str) -> None:
        """Copy ``local`` here to ``path`` on ``dst``'s host."""

    def direct(self, src: Channel, path: str, dst: Channel, dst_path: str) -> bool:
        """Copy from ``src``'s host straight to ``dst``'s host; False if ``src`` cannot reach ``dst``."""


class CopyMover:
    """For sites on this machine (``LocalChannel``): a plain file copy."""

    @staticmethod
    def _check(*channels: Channel) -> None:
        for channel in channels:
            if not isinstance(channel, LocalChannel):
                raise MoveFailed(f"CopyMover moves files on this machine only, not on {channel.hostname}; "
                                 "use RSyncSiteStaging from parsl-staging-rsync")

    def pull(self, src: Channel, path: str, local: str) -> None:
        self._check(src)
        self._copy(path, local)

    def push(self, local: str, dst: Channel, path: str) -> None:
        self._check(dst)
        self._copy(local, path)

    def direct(self, src: Channel, path: str, dst: Channel, dst_path: str) -> bool:
        self._check(src, dst)
        self._copy(path, dst_path)
        return True

    @staticmethod
    def _copy(src: str, dest: str) -> None:
        try:
            shutil.copyfile(src, dest)
        except OSError as e:
            raise MoveFailed(f"{e.strerror}: {e.filename}") from None


class Routes:
    """The pairs of sites found unable to reach each other (their copies are relayed from then on)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._unreachable: Set[Tuple[str, str]] = set()

    def move(self, mover: Mover, source: Replica, dest: SiteStore, dest_path: str) -> str:
        """Copy ``source`` to ``dest_path`` on ``dest``; the route taken."""
        if source.site == SUBMIT_SITE:
            mover.push(source.path, dest.channel, dest_path)
            return "upload"
        pair = (source.site, dest.name)
        with self._lock:
            known_unreachable = pair in self._unreachable
        if not known_unreachable:
            if mover.direct(source.channel, source.path, dest.channel, dest_path):
                return "direct"
            with self._lock:
                self._unreachable.add(pair)
        with tempfile.TemporaryDirectory(prefix="parsl-relay-") as tmp:
            local = os.path.join(tmp, "file")
            mover.pull(source.channel, source.path, local)
            mover.push(local, dest.channel, dest_path)
        return "relay"
