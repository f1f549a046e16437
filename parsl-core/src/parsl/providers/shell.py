"""Run a command with a timeout, and kill all of it when the timeout passes.

This is Parsl's one ``execute_wait`` (``parsl.utils.execute_wait`` is the same function).
Scheduler commands (``sbatch``, ``qstat``...) can hang when the scheduler is overloaded or down.
Each command runs in its own process group so that, on timeout, it and everything it started
are killed, and the caller gets ``SchedulerCommandTimeout`` (also a ``subprocess.TimeoutExpired``,
what Parsl's ``execute_wait`` raises) with whatever output was produced; nothing is left running.

An argument list runs without a shell, so paths with spaces or quotes reach the command intact;
a string runs through ``/bin/sh``, as in Parsl, for callers that need shell syntax.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
from typing import NamedTuple, Optional, Sequence, Union

from parsl.providers.errors import SchedulerCommandTimeout

logger = logging.getLogger(__name__)

#: An argument list (run directly) or a shell command line.
Command = Union[str, Sequence[str]]

#: The exit codes a shell gives for a command it cannot find or cannot execute.
_NOT_FOUND, _NOT_EXECUTABLE = 127, 126


class CommandResult(NamedTuple):
    """What a finished command returned (unpacks like Parsl's ``(retcode, stdout, stderr)``)."""

    retcode: int
    stdout: str
    stderr: str


def display(cmd: Command) -> str:
    """``cmd`` as one line a user could paste into a shell."""
    return cmd if isinstance(cmd, str) else shlex.join(cmd)


def execute_wait(cmd: Command, walltime: Optional[float] = None, stdin_path: Optional[str] = None) -> CommandResult:
    """Run ``cmd``; raise ``SchedulerCommandTimeout`` if it outlives ``walltime`` seconds (None: no limit).

    ``stdin_path`` names a file fed to the command's standard input (``bsub < script``). A command
    that cannot be started is reported as a shell would (exit code 127 or 126, the reason on stderr).
    """
    shown = display(cmd)
    logger.debug("Running %s (timeout %s s)", shown, walltime)
    with open(stdin_path or os.devnull, "rb") as stdin:
        try:
            proc = subprocess.Popen(cmd, shell=isinstance(cmd, str), stdin=stdin, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, start_new_session=True)
        except (FileNotFoundError, PermissionError) as e:
            code = _NOT_FOUND if isinstance(e, FileNotFoundError) else _NOT_EXECUTABLE
            return CommandResult(code, "", f"{shown}: {e.strerror}: {e.filename}\n")
    try:
        out, err = proc.communicate(timeout=walltime)
    except subprocess.TimeoutExpired:
        kill_process_group(proc.pid, signal.SIGKILL)
        try:  # a child that left the group may still hold the pipes open: do not wait on it
            out, err = proc.communicate(timeout=1)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = b"", b""
        raise SchedulerCommandTimeout(shown, walltime or 0, _text(out), _text(err)) from None
    result = CommandResult(proc.returncode, _text(out), _text(err))
    logger.debug("%s exited %d; stderr: %s", shown, result.retcode, result.stderr.strip())
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
