"""A private ``ssh-agent`` holding one channel's key, for transfers that start on another host.

A point-to-point copy from site A to site B runs on A and connects to B. A must not receive
B's private key; instead the ssh session to A forwards an agent (``ssh -A``) that holds it, so
the key never leaves this machine and the forwarding ends with the session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import weakref
from typing import Optional

from parsl.channels.errors import ChannelError


class KeyAgent:
    """An ``ssh-agent`` (foreground, ours) with ``key_filename`` loaded; stopped by ``close``."""

    def __init__(self, key_filename: str, where: str) -> None:
        self.key_filename = key_filename
        self.where = where
        self._proc: Optional[subprocess.Popen[str]] = None
        self._dir: Optional[str] = None
        self._finalizer: Optional[weakref.finalize] = None

    @property
    def socket(self) -> str:
        """The agent's socket (the agent is started and the key loaded on first use)."""
        if self._proc is None:
            self._start()
        assert self._dir is not None
        return os.path.join(self._dir, "agent")

    def _start(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="parsl-agent-")
        sock = os.path.join(self._dir, "agent")
        proc = subprocess.Popen(["ssh-agent", "-D", "-a", sock], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._proc = proc
        self._finalizer = weakref.finalize(self, _stop, proc, self._dir)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # printed once the socket is bound: the rendezvous
        if not first.startswith("SSH_AUTH_SOCK"):
            self.close()
            raise ChannelError(self.where, "cannot start ssh-agent for the transfer key", first)
        added = subprocess.run(["ssh-add", "-q", self.key_filename], env={**os.environ, "SSH_AUTH_SOCK": sock},
                               capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
        if added.returncode != 0:
            self.close()
            raise ChannelError(self.where, f"cannot load key {self.key_filename} into ssh-agent", added.stderr)

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._finalizer = self._proc = self._dir = None


def _stop(proc: subprocess.Popen[str], directory: str) -> None:
    proc.kill()
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
    shutil.rmtree(directory, ignore_errors=True)
