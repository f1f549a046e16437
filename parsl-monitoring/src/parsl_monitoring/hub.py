"""``MonitoringHub``: Parsl's monitoring settings, observing the DataFlowKernel through monitor hooks.

The hub's hook methods run on the DataFlowKernel's threads, so they only queue what a transition
needs (see ``records.transitions``); a writer process owns the database (see ``writer``). Nothing the hub
does raises into the workflow: a database that cannot be opened or written is reported in the
log (and as a warning when the workflow starts) and the workflow runs on unmonitored.
"""

from __future__ import annotations

import datetime
import functools
import getpass
import logging
import os
import socket
import sys
import time
import warnings
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

import attrs

from parsl.plugins import hookimpl
from parsl.plugins.monitor import Monitor
from parsl.plugins.settings import settings
from parsl_monitoring.liveness import this_process
from parsl_monitoring.records import FAILURE_STATES, expand, state_name, transition
from parsl_monitoring.redact import hide_password, repr_url
from parsl_monitoring.worker import MonitoredFunction, unwrap

if TYPE_CHECKING:
    from parsl.data_provider.transfer_record import Transfer
    from parsl.dataflow.states import States
    from parsl.jobs.states import JobStatus
    from parsl.plugins.protocols import DataFlowKernelView
    from parsl_monitoring.client import WriterClient

logger = logging.getLogger(__name__)
_time = time.time

_DEPRECATED = {
    "hub_address": "MonitoringHub.hub_address is unused: worker messages travel over the executor's own channel",
    "hub_port": "MonitoringHub.hub_port is unused: worker messages travel over the executor's own channel",
    "hub_port_range": "MonitoringHub.hub_port_range is unused: worker messages travel over the executor's own channel",
}


def _state() -> Any:
    return attrs.field(init=False, default=None, repr=False)


@settings
class MonitoringHub(Monitor):
    """Record every workflow, task, try, state transition, block and resource sample in a database.

    ``logging_endpoint`` is any SQLAlchemy URL; by default ``sqlite:///<run_dir>/monitoring.db``.
    The tables are those of Parsl's ``monitoring.db``, so existing queries keep working.
    """

    hub_address: Any = None
    hub_port_range: Any = None
    hub_port: Any = None
    workflow_name: Optional[str] = None
    workflow_version: Optional[str] = None
    logging_endpoint: Optional[str] = attrs.field(default=None, repr=repr_url, metadata={"redact": hide_password})
    monitoring_debug: bool = False
    resource_monitoring_enabled: bool = True
    resource_monitoring_interval: float = 30

    #: Seconds a write waits for another process's lock on a SQLite database.
    lock_timeout: float = attrs.field(init=False, default=10.0, repr=False)
    run_id: Optional[str] = _state()
    url: Optional[str] = _state()
    error: Optional[Exception] = _state()
    _dfk: Optional[DataFlowKernelView] = _state()
    _writer: Optional[WriterClient] = _state()
    #: The writer's queue's ``extend`` while it runs (one attribute for the task hook to test).
    _queue: Optional[Callable[[tuple[Any, ...]], None]] = _state()
    _seen: set[int] = attrs.field(init=False, factory=set, repr=False)
    _nodes: set[tuple[str, str]] = attrs.field(init=False, factory=set, repr=False)
    _wrappers: dict[Callable[..., Any], MonitoredFunction] = attrs.field(init=False, factory=dict, repr=False)

    def __attrs_post_init__(self) -> None:
        for name, message in _DEPRECATED.items():
            if getattr(self, name) is not None:
                warnings.warn(message, DeprecationWarning, stacklevel=3)
        if self.resource_monitoring_interval < 0:
            from parsl.errors import ConfigurationError

            raise ConfigurationError(
                "MonitoringHub.resource_monitoring_interval must not be negative, "
                f"got {self.resource_monitoring_interval}")

    # -- lifetime -------------------------------------------------------------------------------

    def start(self, dfk: DataFlowKernelView) -> None:
        """Open the database and start the writer; on failure, warn and leave monitoring off."""
        from parsl_monitoring.client import WriterClient

        if self.monitoring_debug:
            logging.getLogger("parsl_monitoring").setLevel(logging.DEBUG)
        self._dfk = dfk
        self.run_id = str(dfk.run_id)
        self._seen, self._nodes, self._wrappers = set(), set(), {}
        config_run_dir = getattr(getattr(dfk, "config", None), "run_dir", None) or dfk.run_dir
        self.url = self.logging_endpoint or f"sqlite:///{os.path.abspath(config_run_dir)}/monitoring.db"
        try:  # the writer reports a database it cannot use before the workflow starts
            self._writer = WriterClient(self.url, os.path.join(dfk.run_dir, "monitoring-unwritten.jsonl"),
                                        self.lock_timeout, os.path.join(dfk.run_dir, "monitoring.log"),
                                        self.monitoring_debug, functools.partial(expand, self.run_id, seen=self._seen))
            self._writer.start()
            self._queue = self._writer.pending.extend
        except Exception as e:  # never let monitoring stop a workflow from starting
            self._writer = None
            self._fail(e)

    def _fail(self, e: Exception) -> None:
        self.error = e
        message = f"monitoring is off for this workflow: {e}"
        logger.error(message)
        warnings.warn(message, RuntimeWarning, stacklevel=3)

    def close(self) -> None:
        """Write every queued event, then stop the writer (waiting at most a minute for it)."""
        writer, self._writer, self._queue = self._writer, None, None
        if writer is None:
            return
        summary = writer.close()
        if summary.get("error"):
            from parsl_monitoring.errors import error_of

            self.error = error_of(summary["error"])
            logger.error("monitoring: %s (%d events saved to %s)", self.error, summary.get("spilled", 0),
                         writer.spill_path)

    # -- monitor hooks --------------------------------------------------------------------------

    @hookimpl
    def parsl_workflow_start(self, dfk: DataFlowKernelView) -> None:
        if self._writer is None or dfk is not self._dfk:
            return
        began = datetime.datetime.now()
        self._writer.put("workflow_start", {
            "run_id": self.run_id,
            "workflow_name": self.workflow_name or getattr(dfk, "workflow_name", None) or _script_name(),
            "workflow_version": self.workflow_version or getattr(dfk, "workflow_version", None)
            or str(began.replace(microsecond=0)),
            "time_began": began,
            "time_completed": None,
            "host": socket.gethostname(),
            "user": getpass.getuser(),
            "rundir": os.path.abspath(dfk.run_dir),
            "tasks_failed_count": 0,
            "tasks_completed_count": 0,
            **this_process(),
        })

    @hookimpl
    def parsl_task_state(self, dfk: DataFlowKernelView, task_record: Mapping[str, Any], state: States) -> None:
        queue = self._queue
        if queue is None or dfk is not self._dfk:
            return
        name = getattr(state, "_name_", None) or state_name(state)
        if name in FAILURE_STATES:  # its exception and this try's columns are copied now (see ``transitions``)
            writer = self._writer
            if writer is not None and self.run_id is not None:
                writer.put("task", transition(self.run_id, task_record, name, self._seen))
            return
        try:  # flat (see records.ENTRY); a TaskRecord's attributes are faster than its keys
            queue((task_record, task_record.id, task_record.try_id, name, _time()))  # type: ignore[attr-defined]
        except AttributeError:
            queue((task_record, task_record["id"], task_record.get("try_id") or 0, name, _time()))

    @hookimpl
    def parsl_block_state(self, dfk: DataFlowKernelView, executor_label: str, block_id: str, job_id: object,
                          status: JobStatus) -> None:
        if self._writer is None or dfk is not self._dfk:
            return
        state = getattr(status, "state", status)
        self._writer.put("block", {
            "run_id": self.run_id, "executor_label": executor_label, "block_id": str(block_id),
            "job_id": None if job_id is None else str(job_id),
            "timestamp": datetime.datetime.now(), "status": getattr(state, "name", str(state)),
        })

    @hookimpl
    def parsl_transfer(self, dfk: DataFlowKernelView, transfer: Transfer) -> None:
        if self._writer is None or dfk is not self._dfk:
            return
        self._writer.put("transfer", {
            "run_id": self.run_id, "url": transfer.url, "source_site": transfer.source, "dest_site": transfer.dest,
            "route": transfer.route, "bytes": transfer.bytes, "time_started": transfer.started,
            "seconds": transfer.seconds, "sha256": transfer.sha256, "error": transfer.error,
        })

    @hookimpl
    def parsl_workflow_end(self, dfk: DataFlowKernelView) -> None:
        if self._writer is None or dfk is not self._dfk:
            return
        self._writer.put("workflow_end", {"run_id": self.run_id, "time_completed": datetime.datetime.now()})

    # -- worker-side resource monitoring (see parsl_monitoring.worker) ----------------------------

    def wrap_task(self, task_record: Mapping[str, Any], func: Callable[..., Any]) -> Callable[..., Any]:
        """The function to send to the worker instead of ``func``: it also reports where it ran and
        the resources it used, inside its result (so over the executor's own channel)."""
        if self._writer is None or not self.resource_monitoring_enabled:
            return func
        try:  # one wrapper per function: the core's cache of serialized callables then finds it by identity
            wrapper = self._wrappers.get(func)
        except TypeError:  # an unhashable callable
            return MonitoredFunction(func, self.resource_monitoring_interval, self.run_id)
        if wrapper is None:
            wrapper = self._wrappers[func] = MonitoredFunction(func, self.resource_monitoring_interval, self.run_id)
        return wrapper

    def unwrap_result(self, task_record: Mapping[str, Any], outcome: Any) -> Any:
        """Take the worker's report out of a wrapped task's result (or exception) and return the
        result (or exception) the task itself produced."""
        outcome, report = unwrap(outcome)
        writer = self._writer
        if report is not None and writer is not None:
            node = report[-1]
            if node is not None:  # a worker's node comes with its first report, and again now and then
                key = (node["hostname"], node["uid"])
                if key in self._nodes:
                    report = (*report[:-1], None)
                self._nodes.add(key)
            try:  # a TaskRecord's attributes are faster than its keys
                task_id, try_id = task_record.id, task_record.try_id  # type: ignore[attr-defined]
            except AttributeError:
                task_id, try_id = task_record["id"], task_record.get("try_id", 0) or 0
            writer.put("worker", (task_id, try_id, self.resource_monitoring_interval, report))
        return outcome


def _script_name() -> str:
    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
