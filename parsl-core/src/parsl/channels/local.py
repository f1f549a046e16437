"""``LocalChannel``: scheduler commands on this machine (what every provider does by default)."""

from __future__ import annotations

import os
import shutil
from typing import Optional

from parsl.channels.base import Channel
from parsl.plugins.settings import settings
from parsl.providers.shell import Command, CommandResult, execute_wait


@settings
class LocalChannel(Channel):
    """This machine. ``script_dir``: where job scripts go (default: the run directory's ``submit_scripts``)."""

    script_dir: Optional[str] = None

    hostname = "localhost"  # not annotated: a class constant, not a keyword

    def execute_wait(self, cmd: Command, walltime: Optional[float] = None,
                     stdin_path: Optional[str] = None) -> CommandResult:
        return execute_wait(cmd, walltime, stdin_path)

    def remote_dir(self, local_dir: str) -> str:
        return self.script_dir or local_dir

    def push_file(self, source: str, dest: str) -> None:
        if os.path.abspath(source) != os.path.abspath(dest):
            os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
            shutil.copy(source, dest)
            os.chmod(dest, 0o755)
