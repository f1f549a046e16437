"""The state of a block's job, as reported by a provider."""

from __future__ import annotations

import os
from enum import IntEnum
from typing import Optional


class JobState(IntEnum):
    """The states a job can be in; Parsl's members and values."""

    UNKNOWN = 0
    PENDING = 1
    RUNNING = 2
    CANCELLED = 3
    COMPLETED = 4
    FAILED = 5
    TIMEOUT = 6
    HELD = 7
    MISSING = 8
    SCALED_IN = 9

    def __str__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


TERMINAL_STATES = [JobState.CANCELLED, JobState.COMPLETED, JobState.FAILED,
                   JobState.TIMEOUT, JobState.MISSING, JobState.SCALED_IN]

#: How much of a job's stdout/stderr a status carries.
SUMMARY_BYTES = 2048


class JobStatus:
    """A job's state, with the exit code, message and output files the provider knows of."""

    def __init__(self, state: JobState, message: Optional[str] = None, exit_code: Optional[int] = None,
                 stdout_path: Optional[str] = None, stderr_path: Optional[str] = None):
        self.state = state
        self.message = message
        self.exit_code = exit_code
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def status_name(self) -> str:
        return self.state.name

    @property
    def stdout_summary(self) -> Optional[str]:
        return _read_summary(self.stdout_path)

    @property
    def stderr_summary(self) -> Optional[str]:
        return _read_summary(self.stderr_path)

    @property
    def stdout(self) -> Optional[str]:
        """The job's whole standard output, or None when its file is unknown or unreadable."""
        return _read_summary(self.stdout_path, None)

    @property
    def stderr(self) -> Optional[str]:
        """The job's whole standard error, or None when its file is unknown or unreadable."""
        return _read_summary(self.stderr_path, None)

    def __repr__(self) -> str:
        parts = [f"state={self.state}"]
        if self.message:
            parts.append(f"message={self.message!r}")
        if self.exit_code is not None:
            parts.append(f"exit_code={self.exit_code}")
        return f"<JobStatus {' '.join(parts)}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JobStatus) and (self.state, self.message, self.exit_code) == (
            other.state, other.message, other.exit_code)


def _read_summary(path: Optional[str], limit: Optional[int] = SUMMARY_BYTES) -> Optional[str]:
    """The last ``limit`` bytes (all with None) of a job output file, or None when it cannot be read."""
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(0 if limit is None else max(0, size - limit))
            return f.read().decode(errors="replace")
    except OSError:
        return None
