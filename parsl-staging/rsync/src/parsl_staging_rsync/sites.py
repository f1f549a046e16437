"""``RSyncSiteStaging``: ``SiteStaging`` whose copies are rsync over the sites' SSH channels.

Site to site, rsync runs on the source host and connects to the destination host itself: the
data goes point to point. It authenticates with the destination channel's key, lent through an
``ssh-agent`` that only the session to the source host forwards (the key never leaves this
machine), and checks the destination's host key against the one the channel knows, written to
a known_hosts file of the source's data directory. When the source cannot connect (refused,
timed out, no route), ``direct`` says so and the core relays the copy through this machine.
"""

from __future__ import annotations

import logging
import posixpath
import re
import shlex
import tempfile
from typing import Any, List, Optional

import attrs

from parsl.channels.base import Channel
from parsl.data_provider.site_moves import MoveFailed, Mover
from parsl.data_provider.site_staging import SiteStaging
from parsl.plugins.settings import settings
from parsl.providers.errors import SchedulerCommandTimeout
from parsl.providers.shell import execute_wait
from parsl_staging_rsync.transfer import TIMEOUT

logger = logging.getLogger(__name__)

#: What ssh prints when the source cannot connect to the destination, or is not let in.
_UNREACHABLE = re.compile(r"Connection (refused|timed out|reset)|No route to host|Network is unreachable|"
                          r"Could not resolve|Permission denied \(publickey")


def _spec(channel: Channel, path: str) -> str:
    """rsync's name for ``path`` on ``channel``'s host (a plain path on this machine)."""
    return f"{channel.hostname}:{path}" if hasattr(channel, "rsync_shell") else path


def _shell(channel: Channel) -> List[str]:
    shell: Optional[str] = channel.rsync_shell() if hasattr(channel, "rsync_shell") else None
    return ["-e", shell] if shell else []


def _failure(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return "; ".join(lines[:3]) or "no message"


class RsyncMover:
    """rsync between this machine and sites, and from site to site (``timeout``: the whole copy)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._known_hosts: dict[tuple[int, int], str] = {}

    def _rsync(self, argv: List[str]) -> None:
        try:
            result = execute_wait(["rsync", "--quiet", f"--timeout={TIMEOUT}", *argv], self.timeout)
        except SchedulerCommandTimeout:
            raise MoveFailed(f"rsync did not finish within {self.timeout} s") from None
        if result.retcode != 0:
            raise MoveFailed(f"rsync exited with code {result.retcode}: {_failure(result.stderr)}")

    def pull(self, src: Channel, path: str, local: str) -> None:
        self._rsync([*_shell(src), _spec(src, path), local])

    def push(self, local: str, dst: Channel, path: str) -> None:
        self._rsync([*_shell(dst), local, _spec(dst, path)])

    def direct(self, src: Channel, path: str, dst: Channel, dst_path: str) -> bool:
        if not hasattr(src, "execute_forwarding_agent"):  # the source is this machine
            self.push(path, dst, dst_path)
            return True
        if not hasattr(dst, "rsync_shell"):  # the destination is this machine
            self.pull(src, path, dst_path)
            return True
        if not hasattr(dst, "peer_shell"):
            raise MoveFailed(f"{type(dst).__name__} cannot be reached from another host by rsync")
        argv = ["rsync", "--quiet", f"--timeout={TIMEOUT}", "-e", dst.peer_shell(self._peer_known_hosts(src, dst))]
        command = shlex.join([*argv, path, f"{dst.hostname}:{dst_path}"])
        try:
            result = src.execute_forwarding_agent(command, getattr(dst, "agent_socket", lambda: None)(),
                                                  self.timeout)
        except SchedulerCommandTimeout:
            raise MoveFailed(f"rsync on {src.hostname} did not finish within {self.timeout} s") from None
        if result.retcode == 0:
            return True
        if _UNREACHABLE.search(result.stderr) and "No space" not in result.stderr:
            logger.warning("%s cannot reach %s (%s): relaying through this machine", src.hostname, dst.hostname,
                           _failure(result.stderr))
            return False
        raise MoveFailed(f"rsync on {src.hostname} exited with code {result.retcode}: {_failure(result.stderr)}")

    def _peer_known_hosts(self, src: Any, dst: Any) -> str:
        """A known_hosts file on ``src``'s host holding ``dst``'s host key (written once)."""
        key = (id(src), id(dst))
        if key not in self._known_hosts:
            path = posixpath.join(".parsl", "known_hosts", f"{dst.hostname}-{dst.port}")
            q = shlex.quote(path)
            with tempfile.NamedTemporaryFile("w", prefix="parsl-known-hosts-") as f:
                f.write(dst.known_hosts_text())
                f.flush()
                result = src.execute_wait(f"mkdir -p -- \"$(dirname -- {q})\" && cat > {q} && cd && pwd -P",
                                          stdin_path=f.name)
            if result.retcode != 0:
                raise MoveFailed(f"cannot write {path} on {src.hostname}: {_failure(result.stderr)}")
            self._known_hosts[key] = posixpath.join(result.stdout.strip().splitlines()[-1], path)
        return self._known_hosts[key]


@settings
class RSyncSiteStaging(SiteStaging):
    """``SiteStaging`` over SSH with rsync: point to point between sites, verified, cached per site.

    ``transfer_timeout``: seconds one copy may take in all (a stalled copy fails after 60 s
    without progress in any case).
    """

    transfer_timeout: float = 3600
    _mover: Optional[RsyncMover] = attrs.field(init=False, default=None, repr=False, eq=False)

    def mover(self) -> Mover:
        if self._mover is None:  # one per stager: it remembers the known_hosts files it wrote
            self._mover = RsyncMover(self.transfer_timeout)
        return self._mover
