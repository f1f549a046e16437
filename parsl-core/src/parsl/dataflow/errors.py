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
    The message carries that root failure too (``... from task 2: StagingError: staging in
    https://... failed: HTTP 404``): most people only ever see ``str()`` of the error.
    """

    #: What failed, in the message: ``... with failed <what> from task 2``.
    _what = "dependencies"

    def __init__(self, dependent_exceptions_tids: Sequence[Tuple[BaseException, str]], task_id: int,
                 *, failure_description: str) -> None:
        super().__init__(dependent_exceptions_tids, task_id)
        self.dependent_exceptions_tids = dependent_exceptions_tids
        self.task_id = task_id
        self._failure_description = failure_description
        self.__cause__, self._cause_sequence = self._find_any_root_cause()

    def __str__(self) -> str:
        cause = self.__cause__
        text = f"{self._failure_description} for task {self.task_id} with failed {self._what} from " \
               f"{' <- '.join(self._cause_sequence)}"
        if cause is None or cause is self:
            return text
        detail = str(cause).strip()
        return f"{text}: {type(cause).__name__}: {detail}" if detail else f"{text}: {type(cause).__name__}"

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

    _what = "joined futures"

    def __init__(self, dependent_exceptions_tids: Sequence[Tuple[BaseException, str]], task_id: int) -> None:
        super().__init__(dependent_exceptions_tids, task_id, failure_description="Join failure")
