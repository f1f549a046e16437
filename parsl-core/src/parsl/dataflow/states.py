"""The states a task moves through in the DataFlowKernel (Parsl's members and values)."""

from __future__ import annotations

from enum import IntEnum


class States(IntEnum):
    """Where a task is in its life; see ``FINAL_STATES`` for the ones it never leaves."""

    pending = 0
    running = 2  # set by monitors from the worker side, never by the DataFlowKernel
    exec_done = 3
    failed = 4
    dep_fail = 5
    launched = 7
    fail_retryable = 8
    memo_done = 9
    joining = 10
    running_ended = 11

    def __str__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


FINAL_STATES = frozenset({States.exec_done, States.memo_done, States.failed, States.dep_fail})
FINAL_FAILURE_STATES = frozenset({States.failed, States.dep_fail})

__all__ = ["FINAL_FAILURE_STATES", "FINAL_STATES", "States"]
