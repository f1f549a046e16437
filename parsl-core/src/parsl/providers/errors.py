"""Errors raised by execution providers.

Hierarchy::

    ParslError
    └── ExecutionProviderException
        ├── ScaleOutFailed            (a provider could not add a block)
        ├── SchedulerMissingArgs      (the job-script template names a value nobody supplied)
        ├── ScriptPathError           (the job script could not be written)
        ├── JobPathError              (a path the scheduler's job-script syntax cannot express)
        ├── SubmitException           (the scheduler refused the job: carries its stdout/stderr)
        └── SchedulerCommandTimeout   (a command did not finish in time; also subprocess.TimeoutExpired)
"""

from __future__ import annotations

import subprocess
import warnings
from typing import Any, Optional, Sequence

from parsl.errors import ParslError


class ExecutionProviderException(ParslError):
    """Base class of every provider error."""


class ScaleOutFailed(ExecutionProviderException):
    """A provider could not add a block."""

    def __init__(self, provider: Any, reason: str):
        super().__init__(provider, reason)
        self.provider = provider
        self.reason = reason

    def __str__(self) -> str:
        return f"Unable to scale out {self.provider} provider: {self.reason}"


class SchedulerMissingArgs(ExecutionProviderException):
    """The job-script template refers to a value that was not supplied."""

    def __init__(self, missing_keywords: Sequence[str], sitename: str):
        super().__init__(missing_keywords, sitename)
        self.missing_keywords = missing_keywords
        self.sitename = sitename

    def __str__(self) -> str:
        return f"SchedulerMissingArgs: Pool:{self.sitename} Arg:{self.missing_keywords}"


class ScriptPathError(ExecutionProviderException):
    """The job script could not be written."""

    def __init__(self, script_path: str, reason: Any):
        super().__init__(script_path, reason)
        self.script_path = script_path
        self.reason = reason

    def __str__(self) -> str:
        return f"Unable to write submit script:{self.script_path} Reason:{self.reason}"


class JobPathError(ExecutionProviderException):
    """A path that would have to go into a job script in a form the scheduler cannot read."""

    def __init__(self, scheduler: str, path: str, reason: str):
        super().__init__(scheduler, path, reason)
        self.scheduler = scheduler
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return (f"{self.scheduler} cannot take the path {self.path!r} in a job script: {self.reason}; "
                f"use a run_dir (or script_dir) whose path has no such characters")


class SubmitException(ExecutionProviderException):
    """The scheduler did not accept a job; ``stderr`` holds what it said."""

    def __init__(self, job_name: str, message: str, stdout: Optional[str] = None,
                 stderr: Optional[str] = None, retcode: Optional[int] = None):
        super().__init__(job_name, message, stdout, stderr, retcode)
        self.job_name = job_name
        self.message = message
        self.stdout = stdout
        self.stderr = stderr
        self.retcode = retcode

    @property
    def task_name(self) -> str:
        """Deprecated (as in Parsl): the job's name, now ``job_name``."""
        warnings.warn("SubmitException.task_name is deprecated: use job_name", DeprecationWarning, stacklevel=2)
        return self.job_name

    def __str__(self) -> str:
        text = f"Cannot launch job {self.job_name}: {self.message}"
        if self.retcode is not None:
            text += f" (exit code {self.retcode})"
        if self.stderr and self.stderr.strip():
            text += f"\nscheduler stderr: {self.stderr.strip()}"
        if self.stdout and self.stdout.strip():
            text += f"\nscheduler stdout: {self.stdout.strip()}"
        return text


class SchedulerCommandTimeout(ExecutionProviderException, subprocess.TimeoutExpired):
    """A command was still running after its timeout and was killed with everything it started.

    Also a ``subprocess.TimeoutExpired``, which Parsl's ``execute_wait`` raises on timeout.
    """

    # text, where TimeoutExpired declares bytes
    stdout: str  # type: ignore[assignment]
    stderr: str  # type: ignore[assignment]

    def __init__(self, command: str, timeout: float, stdout: str = "", stderr: str = ""):
        ExecutionProviderException.__init__(self, command, timeout, stdout, stderr)
        self.cmd = self.command = command
        self.timeout = timeout
        self.stdout = stdout
        self.stderr = stderr

    def __str__(self) -> str:
        text = f"command {self.command!r} did not finish within {self.timeout} s and was killed"
        if self.stderr.strip():
            text += f"; its stderr so far: {self.stderr.strip()}"
        return text
