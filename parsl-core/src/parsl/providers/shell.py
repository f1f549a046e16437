"""Run a scheduler command with a timeout, and kill all of it when the timeout passes.

Scheduler commands (``sbatch``, ``qstat``...) can hang when the scheduler is overloaded or down.
Each runs in its own process group so that, on timeout, the shell and everything it started are
killed, and the caller gets ``SchedulerCommandTimeout`` with whatever stderr was produced.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from typing import NamedTuple

from parsl.providers.errors import SchedulerCommandTimeout

logger = logging.getLogger(__name__)


class CommandResult(NamedTuple):
    """What a finished command returned (unpacks like Parsl's ``(retcode, stdout, stderr)``)."""

    retcode: int
    stdout: str
    stderr: str


def execute_wait(cmd: str, timeout: float) -> CommandResult:
    """Run ``cmd`` through the shell; raise ``SchedulerCommandTimeout`` if it outlives ``timeout``."""
    logger.debug("Running %r (timeout %s s)", cmd, timeout)
    proc = subprocess.Popen(cmd, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_process_group(proc.pid, signal.SIGKILL)
        try:  # a child that left the group may still hold the pipes open: do not wait on it
            out, err = proc.communicate(timeout=1)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = b"", b""
        raise SchedulerCommandTimeout(cmd, timeout, _text(out), _text(err)) from None
    result = CommandResult(proc.returncode, _text(out), _text(err))
    logger.debug("%r exited %d; stderr: %s", cmd, result.retcode, result.stderr.strip())
    return result


def kill_process_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to process group ``pgid``; return False if the group no longer exists."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _text(data: bytes | None) -> str:
    return (data or b"").decode(errors="replace")
