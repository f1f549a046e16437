"""The start-up script a cloud instance runs at boot: the block's whole life on that machine.

``worker_init`` and the launcher's command run under ``timeout`` for the walltime, so a block
ends on time even if the client that started it is gone; then the machine shuts itself down
(which the providers configure to terminate the instance) unless ``linger`` is set.
"""

from __future__ import annotations

import secrets
import shlex
from typing import Optional

from parsl.errors import ConfigurationError

#: Seconds a block gets between SIGTERM at the walltime and SIGKILL.
WALLTIME_KILL_GRACE = 30


def walltime_seconds(walltime: Optional[str]) -> Optional[int]:
    """``[[HH:]MM:]SS`` as seconds; ``None`` or ``""`` means no limit. Bad text names the value."""
    if not walltime:
        return None
    parts = walltime.split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if not numbers or len(numbers) > 3 or any(n < 0 for n in numbers):
        raise ConfigurationError(f"walltime={walltime!r} is not of the form HH:MM:SS")
    seconds = 0
    for n in numbers:
        seconds = seconds * 60 + n
    return seconds


def startup_script(body: str, worker_init: str = "", job_name: str = "", walltime: Optional[str] = None,
                   linger: bool = False) -> str:
    """A bash start-up script that runs ``worker_init`` then ``body`` (the launcher's command).

    The block's part is written to a file first (a quoted here-document, so nothing in it is
    expanded twice) and run under ``timeout`` when there is a walltime. Unless ``linger``, the
    machine then runs ``shutdown -h now``.
    """
    seconds = walltime_seconds(walltime)
    marker = f"PARSL_BLOCK_{secrets.token_hex(8)}"
    run = "bash \"$block\""
    if seconds is not None:
        run = f"timeout --kill-after={WALLTIME_KILL_GRACE} {seconds} {run}"
    shutdown = "" if linger else (
        "\n# Shut the machine down when the block ends (the instance is set to terminate on shutdown).\n"
        "shutdown -h now\n")
    return (
        "#!/bin/bash\n"
        f"export JOBNAME={shlex.quote(job_name)}\n"
        "block=$(mktemp /tmp/parsl-block.XXXXXX)\n"
        f"cat > \"$block\" <<'{marker}'\n"
        f"{worker_init}\n\n{body}\n"
        f"{marker}\n"
        f"{run}\n"
        "status=$?\n"
        "echo \"parsl block exited with status $status\" >&2\n"
        f"{shutdown}"
        "exit $status\n"
    )
