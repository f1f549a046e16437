"""The base class of monitor plugins (``Config(monitoring=...)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from parsl.dataflow.taskrecord import TaskRecord
    from parsl.plugins.protocols import DataFlowKernelView


class Monitor:
    """An observer of a workflow, attached to the DataFlowKernel for its lifetime.

    A subclass implements any of the monitor hooks of ``parsl.plugins.hookspecs`` as methods
    marked ``@hookimpl``. The DataFlowKernel registers the instance with the plugin manager
    when it starts (after calling ``start``) and unregisters it when it cleans up (before
    calling ``close``).

    For worker-side observation (resource usage where the task runs), a subclass overrides
    ``wrap_task`` and ``unwrap_result``: the DataFlowKernel sends the wrapped function to
    executors whose ``monitor_resources()`` is true, and passes the result or exception of each
    try it ran there through ``unwrap_result``, so a report can travel back over the executor's
    own channel. An exception from either is logged and ignored.
    """

    def wrap_task(self, task_record: TaskRecord, func: Callable[..., Any]) -> Callable[..., Any]:
        """The function to run on the worker instead of ``func`` (by default ``func`` itself)."""
        return func

    def unwrap_result(self, task_record: TaskRecord, outcome: Any) -> Any:
        """The task's own result or exception, taken out of a wrapped try's ``outcome``."""
        return outcome

    def start(self, dfk: DataFlowKernelView) -> None:
        """Prepare to observe ``dfk`` (open databases, start threads)."""

    def close(self) -> None:
        """Flush and release everything; called once, after the last event."""
