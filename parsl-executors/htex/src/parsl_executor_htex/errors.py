"""Errors of the HighThroughputExecutor (Parsl's ``parsl.executors.high_throughput.errors``).

Each keeps its constructor arguments in ``args`` so that it pickles and unpickles unchanged in
any process (the interchange and the worker pool send them over the wire).

Hierarchy::

    Exception
    ├── ManagerLost                 a node's worker pool stopped heartbeating or exited
    ├── WorkerLost                  a worker process died while running the task
    ├── VersionMismatch             worker pool and interchange run different versions
    ├── CommandClientTimeoutError   the interchange did not answer a command in time
    ├── CommandClientBadError       the command channel is unusable after an earlier timeout
    └── InterchangeLost             the interchange process died (an addition to Parsl's set)
"""

from __future__ import annotations

import time
from typing import TypeVar

import attrs
from typing_extensions import dataclass_transform

E = TypeVar("E", bound=type)


@dataclass_transform(field_specifiers=(attrs.field,))
def error(cls: E) -> E:
    """An exception class whose fields are its constructor arguments, kept in ``args`` as well (so
    it pickles unchanged); equality, hashing, ``repr`` and ``str`` stay the plain exception's."""
    return attrs.define(cls, auto_exc=True, slots=False, repr=False)


@error
class ManagerLost(Exception):
    """The task was lost because its manager (the node's worker pool) was lost."""

    manager_id: bytes
    hostname: str
    reason: str = "missed heartbeats"
    tstamp: float = attrs.field(init=False, factory=time.time)

    def __str__(self) -> str:
        mid = self.manager_id.decode(errors="replace") if isinstance(self.manager_id, bytes) else self.manager_id
        return f"Task failure due to loss of manager {mid} on host {self.hostname} ({self.reason})"


@error
class WorkerLost(Exception):
    """The worker process running the task died (killed, crashed, out of memory)."""

    worker_id: int | str
    hostname: str
    exitcode: int | None = None

    def __str__(self) -> str:
        how = "" if self.exitcode is None else f" (exit code {self.exitcode})"
        return f"Task failure due to loss of worker {self.worker_id} on host {self.hostname}{how}"


@error
class VersionMismatch(Exception):
    """The worker pool and the interchange run different Python or package versions."""

    interchange_version: str
    manager_version: str

    def __str__(self) -> str:
        return (f"Manager version info {self.manager_version} does not match interchange "
                f"version info {self.interchange_version}")


class CommandClientTimeoutError(Exception):
    """The interchange did not answer a command within its timeout."""


class CommandClientBadError(Exception):
    """The command channel cannot be used, because an earlier command timed out."""


@error
class InterchangeLost(Exception):
    """The interchange process exited while the executor was running (not part of Parsl's API)."""

    pid: int
    returncode: int | None
    logfile: str

    def __str__(self) -> str:
        if self.returncode is not None and self.returncode < 0:
            import signal

            how = f"was killed by signal {signal.Signals(-self.returncode).name}"
        else:
            how = f"exited with code {self.returncode}"
        return (f"the HighThroughputExecutor's interchange process (pid {self.pid}) {how}; "
                f"every outstanding task failed. See {self.logfile}")
