"""The base class of every command channel plugin.

A provider talks to its scheduler only through a channel: it runs commands with
``execute_wait`` and puts job scripts where the commands can read them with ``push_file``.
So a provider written for this machine works on a remote login node unchanged.
"""

from __future__ import annotations

import os
import posixpath
from abc import ABCMeta, abstractmethod
from typing import Optional

from parsl.providers.shell import Command, CommandResult, display


class Channel(metaclass=ABCMeta):
    """Runs commands and receives files on one host."""

    #: The host the commands run on, as shown in messages.
    hostname: str

    @abstractmethod
    def execute_wait(self, cmd: Command, walltime: Optional[float] = None,
                     stdin_path: Optional[str] = None) -> CommandResult:
        """Run ``cmd`` on the host; ``SchedulerCommandTimeout`` after ``walltime`` seconds.

        ``stdin_path`` is a local file fed to the command's standard input.
        """

    @abstractmethod
    def remote_dir(self, local_dir: str) -> str:
        """The directory on the host that stands for the local job-script directory ``local_dir``."""

    @abstractmethod
    def push_file(self, source: str, dest: str) -> None:
        """Copy the local file ``source`` to ``dest`` on the host, executable."""

    def remote_path(self, local_path: str) -> str:
        """Where the local job file ``local_path`` is put on the host."""
        return posixpath.join(self.remote_dir(os.path.dirname(local_path)), os.path.basename(local_path))

    def forward_remote(self, remote_port: int, local_host: str, local_port: int) -> bool:
        """Make ``127.0.0.1:remote_port`` on the host lead to ``local_host:local_port`` here.

        Return False when the channel cannot (or need not) forward; raise ``TunnelError`` if it
        should and fails.
        """
        return False

    def display(self, cmd: Command) -> str:
        """``cmd`` as shown in messages, naming the host when it is not this machine."""
        return display(cmd)

    def close(self) -> None:  # noqa: B027 -- most channels hold nothing to release
        """Release connections; the channel reconnects if used again."""
