"""What a worker runs for one CommandLineTool job: an argv in a directory, nothing CWL-specific.

The submit side (cwltool) binds the inputs, stages them into the job's directory and builds the
command line; the worker only needs this small, picklable description. This module imports the
standard library alone, so a worker pays nothing for cwltool or node.js.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any, Optional

#: How much of a tool's unredirected stdout/stderr comes back to the submit side (its tail).
LOG_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class CommandSpec:
    """One process to start: ``argv`` in ``cwd`` with exactly ``env``, optional redirects and a time limit."""

    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str] = field(default_factory=dict)
    stdin_path: Optional[str] = None
    stdout_path: Optional[str] = None
    stderr_path: Optional[str] = None
    timelimit: Optional[int] = None  #: seconds (ToolTimeLimit); None or 0: no limit


@dataclass(frozen=True)
class CommandResult:
    """How the process ended: its exit code (negative: the signal), whether the time limit ended it,
    and the tail of what it wrote to streams the tool did not redirect."""

    returncode: int
    timed_out: bool = False
    log: str = ""


def run_command(spec: CommandSpec, parsl_resource_specification: Optional[dict[str, Any]] = None) -> CommandResult:
    """Run ``spec`` to completion on this node; terminate it when its time limit passes.

    ``parsl_resource_specification`` is for the executor (a Parsl app's function takes it to be
    given one); the process itself needs nothing from it.
    """
    with tempfile.TemporaryFile() as log:
        stdin: IO[bytes] | int = open(spec.stdin_path, "rb") if spec.stdin_path else subprocess.DEVNULL
        stdout: IO[bytes] = open(spec.stdout_path, "wb") if spec.stdout_path else log
        stderr: IO[bytes] = open(spec.stderr_path, "wb") if spec.stderr_path else log
        try:
            proc = subprocess.Popen(list(spec.argv), cwd=spec.cwd, env=spec.env, stdin=stdin,
                                    stdout=stdout, stderr=stderr, close_fds=True)
        finally:
            for stream in (stdin, stdout, stderr):
                if stream is not log and not isinstance(stream, int):
                    stream.close()
        timed_out = False
        try:
            proc.wait(timeout=spec.timelimit or None)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.send_signal(signal.SIGTERM)
            proc.wait()
        size = log.seek(0, os.SEEK_END)
        log.seek(max(0, size - LOG_TAIL_BYTES))
        return CommandResult(proc.returncode, timed_out, log.read().decode(errors="replace"))
