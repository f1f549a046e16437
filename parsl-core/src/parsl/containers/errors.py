"""Errors of container apps and container launchers.

Hierarchy::

    ParslError
    └── ContainerError                 (every one names the runtime, the image and the command)
        ├── ContainerRuntimeNotFound   (the runtime's program is not installed)
        ├── ContainerImageNotFound     (the image is not present locally; nothing is pulled)
        ├── ContainerBindPathMissing   (a path to bind-mount does not exist on the host)
        ├── ContainerPythonError       (the image has no Python able to run the function)
        └── ContainerExitError         (the container exited non-zero; also a BashExitFailure)

Each keeps its constructor arguments in ``args``, so it pickles back from an HTEX worker intact.
"""

from __future__ import annotations

import shlex
from typing import Sequence

from parsl.app.errors import BashExitFailure
from parsl.errors import ParslError

#: How much of a container's stderr an error message quotes (its end: where the cause usually is).
STDERR_TAIL = 4000


class ContainerError(ParslError):
    """Something about running a command in a container failed."""

    def __init__(self, reason: str, runtime: str, image: str, command: Sequence[str], stderr: str = "") -> None:
        Exception.__init__(self, reason, runtime, image, list(command), stderr)  # not the mixins of subclasses
        self.reason = reason
        self.runtime = runtime
        self.image = image
        self.command = list(command)
        self.stderr = stderr

    def __str__(self) -> str:
        text = f"{self.reason} (runtime {self.runtime!r}, image {self.image!r}, command: {shlex.join(self.command)})"
        if self.stderr.strip():
            tail = self.stderr[-STDERR_TAIL:]
            text += f"; the container's stderr{' ends' if len(self.stderr) > STDERR_TAIL else ''}:\n{tail.rstrip()}"
        return text


class ContainerRuntimeNotFound(ContainerError):
    """The runtime's program is not on ``PATH``."""


class ContainerImageNotFound(ContainerError):
    """The image is not present locally (container apps never pull)."""


class ContainerBindPathMissing(ContainerError):
    """A host path to bind-mount does not exist."""


class ContainerPythonError(ContainerError):
    """The image has no Python (of the submitting Python's version, with ``dill``) to run the function."""


class ContainerExitError(ContainerError, BashExitFailure):
    """The container's command exited with a non-zero code (``exitcode``), or was killed by a signal."""

    def __init__(self, reason: str, runtime: str, image: str, command: Sequence[str], stderr: str = "",
                 exitcode: int = 1, app_name: str = "") -> None:
        ContainerError.__init__(self, reason, runtime, image, command, stderr)
        self.args = (reason, runtime, image, list(command), stderr, exitcode, app_name)
        self.exitcode = exitcode
        self.app_name = app_name

    __str__ = ContainerError.__str__
