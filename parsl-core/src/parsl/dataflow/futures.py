"""``AppFuture``: the future an app call returns.

It is a ``concurrent.futures.Future`` completed by the DataFlowKernel once the task (with its
retries, or its joined futures) has finished. Indexing it or reading an attribute it does not
have gives a new AppFuture for that item of the eventual result ("lifted" operations):
``f[0]``, ``f.name``.

It is a ``LightFuture``, so a pending task's future costs a few dozen bytes.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Optional, Sequence, Tuple, Union

from parsl.dataflow.lightfuture import LightFuture

if TYPE_CHECKING:
    from parsl.app.futures import DataFuture
    from parsl.dataflow.taskrecord import TaskRecord


class AppFuture(LightFuture):
    """The future of one app invocation, with its task record, outputs and std streams."""

    __slots__ = ("task_record",)

    _outputs: Sequence[DataFuture] = ()
    _stdout_future: Optional[DataFuture] = None
    _stderr_future: Optional[DataFuture] = None
    #: Set only for tasks with output Files: completes when the app has run, before stage-out.
    _exec_done: Optional[ExecDoneFuture] = None
    #: The stage-out futures this future waits for, each with the URL it stages to.
    _stage_outs: Sequence[Tuple[Future, str]] = ()

    def __init__(self, task_record: TaskRecord) -> None:
        super().__init__()
        self.task_record = task_record

    @property
    def stdout(self) -> Union[str, Any, None]:
        """The ``stdout`` the app was called with, or the DataFuture of its stage-out if it was a File."""
        return self._stdout_future or self.task_record.kwargs.get("stdout")

    @property
    def stderr(self) -> Union[str, Any, None]:
        """The ``stderr`` the app was called with, or the DataFuture of its stage-out if it was a File."""
        return self._stderr_future or self.task_record.kwargs.get("stderr")

    @property
    def tid(self) -> int:
        """The task id (``dfk.tasks`` key)."""
        return self.task_record.id

    @property
    def outputs(self) -> Sequence[DataFuture]:
        """One DataFuture per File of the ``outputs`` keyword argument."""
        return self._outputs

    def task_status(self) -> str:
        """The name of the task's current ``States`` member (may run ahead of ``done()``)."""
        return self.task_record.status.name

    def cancel(self) -> bool:
        raise NotImplementedError("Cancel not implemented")

    def cancelled(self) -> bool:
        return False

    def __getitem__(self, key: Any) -> AppFuture:
        return _lifted(self, deferred_getitem, key)

    def __getattr__(self, name: str) -> AppFuture:
        if name.startswith("_"):
            raise AttributeError(name)
        return _lifted(self, deferred_getattr, name)

    def __repr__(self) -> str:
        return f"<AppFuture tid={self.task_record.id} state={self._state.lower()}>"


class ExecDoneFuture(LightFuture):
    """Completes with a task's own outcome, before its stage-out; stage-out providers wait on it.

    Stage-out cannot wait on the AppFuture, because the AppFuture waits for stage-out.
    """

    __slots__ = ("task_record",)

    def __init__(self, task_record: TaskRecord) -> None:
        super().__init__()
        self.task_record = task_record

    @property
    def tid(self) -> int:
        return self.task_record.id

    def __repr__(self) -> str:
        return f"<ExecDoneFuture tid={self.task_record.id} state={self._state.lower()}>"


def deferred_getitem(o: Any, k: Any) -> Any:
    return o[k]


def deferred_getattr(o: Any, name: str) -> Any:
    return getattr(o, name)


def _lifted(fut: AppFuture, func: Any, arg: Any) -> AppFuture:
    return fut.task_record.dfk.submit_internal(func, fut, arg)
