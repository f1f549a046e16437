"""Errors raised by the DataFlowKernel.

Hierarchy::

    ParslError
    └── DataFlowException
        ├── BadCheckpoint
        └── PropagatedException     (a task failed because another one did)
            ├── DependencyError     (a dependency failed)
            └── JoinError           (a future a join app returned failed)
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

from parsl.errors import ParslError


class DataFlowException(ParslError):
    """Base class of the DataFlowKernel's errors."""


class BadCheckpoint(DataFlowException):
    """A checkpoint file could not be found or read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class PropagatedException(DataFlowException):
    """A task failed because related tasks failed.

    ``dependent_exceptions_tids`` pairs each failure with a description of where it came from
    (``"task 3"``, or the repr of a foreign future); ``__cause__`` is the first root failure.
    """

    def __init__(self, dependent_exceptions_tids: Sequence[Tuple[BaseException, str]], task_id: int,
                 *, failure_description: str) -> None:
        super().__init__(dependent_exceptions_tids, task_id)
        self.dependent_exceptions_tids = dependent_exceptions_tids
        self.task_id = task_id
        self._failure_description = failure_description
        self.__cause__, self._cause_sequence = self._find_any_root_cause()

    def __str__(self) -> str:
        return (f"{self._failure_description} for task {self.task_id}. "
                f"The representative cause is via {' <- '.join(self._cause_sequence)}")

    def __reduce__(self) -> tuple:
        return (_rebuild, (type(self), self.dependent_exceptions_tids, self.task_id))

    def _find_any_root_cause(self) -> Tuple[BaseException, List[str]]:
        """Follow the first failure down through propagated errors to one that is not."""
        e: BaseException = self
        chain: List[str] = []
        while isinstance(e, PropagatedException) and e.dependent_exceptions_tids:
            first, description = e.dependent_exceptions_tids[0]
            chain.append(description + (" (+ others)" if len(e.dependent_exceptions_tids) > 1 else ""))
            e = first
        return e, chain


def _rebuild(cls: type, dependent_exceptions_tids: Sequence[Tuple[BaseException, str]],
             task_id: int) -> PropagatedException:
    return cls(dependent_exceptions_tids, task_id)  # type: ignore[no-any-return]


class DependencyError(PropagatedException):
    """A task could not run because one or more of its dependencies failed."""

    def __init__(self, dependent_exceptions_tids: Sequence[Tuple[BaseException, str]], task_id: int) -> None:
        super().__init__(dependent_exceptions_tids, task_id, failure_description="Dependency failure")


class JoinError(PropagatedException):
    """A join app failed because one or more of the futures it returned failed."""

    def __init__(self, dependent_exceptions_tids: Sequence[Tuple[BaseException, str]], task_id: int) -> None:
        super().__init__(dependent_exceptions_tids, task_id, failure_description="Join failure")
