"""The DataFlowKernel: turns app calls into tasks, runs each when its dependencies are done.

Hot path (one no-op app call with no dependencies)::

    app() -> submit: TaskRecord + AppFuture -> executor.submit      (the calling thread)
    executor thread: task body -> handle_exec_update -> AppFuture.set_result

There is no launch thread: a task is launched on the thread that made it ready (the caller, or
the thread that completed its last dependency). Launches that become possible while another
launch is in progress on the same thread are queued and run by the outer one, so long chains of
already-complete or failing tasks never recurse deeply.

Per-task records (on the ``parsl.dataflow.tasks`` logger, with Parsl's ``parsl.task``, ``parsl.try``,
``parsl.executor`` extras) are made only when, at load, some handler would receive them other
than the default ``parsl.log`` (``parsl.log_utils.listened``); failures and retries are always
logged at INFO. Monitor hooks are called on
every state transition only when some plugin or monitor implements ``parsl_task_state``
(decided at load, and again by ``refresh_monitor_hooks``).
"""

from __future__ import annotations

import atexit
import datetime
import functools
import itertools
import logging
import os
import random
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, List, Optional, Sequence, Tuple, Union

from parsl.app.errors import RemoteExceptionWrapper
from parsl.app.futures import DataFuture
from parsl.config import Config
from parsl.data_provider.data_manager import DataManager
from parsl.dataflow import dependency_resolvers
from parsl.dataflow.errors import DataFlowException, DependencyError, JoinError
from parsl.dataflow.futures import AppFuture, ExecDoneFuture
from parsl.dataflow.internal import INTERNAL_EXECUTOR
from parsl.dataflow.lightfuture import LightFuture
from parsl.dataflow.memoization import BasicMemoizer, Memoizer
from parsl.dataflow.rundirs import make_rundir
from parsl.dataflow.states import FINAL_STATES, States
from parsl.dataflow.taskrecord import TaskRecord
from parsl.errors import ConfigurationError, NoDataFlowKernelError
from parsl.executors.base import ParslExecutor
from parsl.log_utils import initialize_dfk_logging, listened
from parsl.logconfigs.base import LogConfig
from parsl.plugins.aliases import parsl_name
from parsl.providers.base import ExecutionProvider
from parsl.version import VERSION

if TYPE_CHECKING:
    from parsl.jobs.job_status_poller import JobStatusPoller
    from parsl.jobs.states import JobStatus
    from parsl.plugins.manager import PluginManager
    from parsl.plugins.monitor import Monitor

logger = logging.getLogger(__name__)
#: Per-task records (submission, every state transition, each try's executor): made only when
#: someone listens, or when this logger's own level is set to INFO or lower before loading.
task_logger = logging.getLogger("parsl.dataflow.tasks")

_now = datetime.datetime.now
_time = time.time
_STATES = list(States)
_AUTO_LOGNAME = -1
_NOTHING: Any = ()  # shared empty sequence: fewer objects for the cycle collector per task

_TASK_STATE_ARGS = ("dfk", "task_record", "state")


def _positional(function: Callable[..., Any], names: Tuple[str, ...]) -> Callable[[Any, TaskRecord, States], Any]:
    """``function``, a ``parsl_task_state`` implementation taking ``names`` (some of the hook's
    arguments, in its own order), as a function of all three in the hook's order. Most take all
    three and are called as they are: building the arguments per transition cost as much as a
    monitor's whole hook."""
    if names == _TASK_STATE_ARGS:
        return function

    def call(dfk: Any, task_record: TaskRecord, state: States) -> Any:
        args = {"dfk": dfk, "task_record": task_record, "state": state}
        return function(*[args[n] for n in names])

    return call


class DataFlowKernel:
    """Runs the tasks of a workflow on the executors of a ``Config``.

    Usually made by ``parsl.load(config)``; usable as a context manager, whose exit honours
    ``config.exit_mode``.
    """

    def __init__(self, config: Optional[Config] = None) -> None:
        if config is None:
            config = Config()
        if not isinstance(config, Config):
            raise TypeError(f"DataFlowKernel needs a parsl.config.Config, not {type(config).__name__}")
        self.cleanup_called = False
        self._config = config
        self.run_dir = make_rundir(config.run_dir)
        self.run_id = str(uuid.uuid4())
        self.time_began = _now()
        self._logging_unregister = initialize_dfk_logging(config.initialize_logging, self.run_dir)
        logger.info("Starting DataFlowKernel with config\n%r", config)
        logger.info("Parsl version: %s; run id %s; run dir %s", VERSION, self.run_id, self.run_dir)

        self.workflow_name = _workflow_name()
        self.workflow_version = str(self.time_began.replace(microsecond=0))
        self.task_count = 0
        self._task_ids = itertools.count()
        self.tasks: Dict[int, TaskRecord] = {}
        self._counts = [0] * (max(_STATES) + 1)
        self._counts_lock = threading.Lock()
        self._deps_lock = threading.Lock()
        self._task_launch_lock = threading.Lock()
        self.submitter_lock = threading.Lock()
        self._launching = threading.local()

        self.dependency_resolver = config.dependency_resolver or dependency_resolvers.SHALLOW_DEPENDENCY_RESOLVER
        self._shallow = dependency_resolvers.is_plain_shallow(self.dependency_resolver)
        self.executors: Dict[str, ParslExecutor] = {}
        self.job_status_poller: Optional[JobStatusPoller] = None
        self.monitoring: Optional[Monitor] = None
        self._monitor_hooks = self._task_hooks = self._started = False
        self._task_state_calls: Optional[List[Callable[[Any, TaskRecord, States], Any]]] = None
        self._log_tasks = listened(task_logger, logging.INFO)
        self.data_manager = DataManager(self)
        try:
            self._start(config)
        except BaseException:
            logger.exception("DataFlowKernel failed to start; releasing what was started")
            self._release()
            raise
        self.usage_tracker.send_start_message()
        atexit.register(self.atexit_cleanup)

    def _start(self, config: Config) -> None:
        from parsl.usage_tracking.usage import UsageTracker

        self.usage_tracker = UsageTracker(self)  # checks the endpoint: fails before anything starts
        self.memoizer: Memoizer = config.memoizer if config.memoizer is not None else BasicMemoizer()
        self.memoizer.start(run_dir=self.run_dir, config_run_dir=config.run_dir)
        self._memo_all = getattr(self.memoizer, "wants_uncached_tasks", True)

        from parsl.plugins.manager import get_plugin_manager

        self._plugins: PluginManager = get_plugin_manager()
        self._hook = self._plugins.hook
        if config.monitoring is not None:
            config.monitoring.start(self)
            self.monitoring = config.monitoring
            self._plugins.pm.register(self.monitoring)
        self.refresh_monitor_hooks()

        from parsl.executors.threads import ThreadPoolExecutor

        internal = ThreadPoolExecutor(label=INTERNAL_EXECUTOR, max_threads=config.internal_tasks_max_threads)
        self.add_executors([*config.executors, internal])
        self._notify("parsl_workflow_start", dfk=self)
        self._started = True
        self.refresh_monitor_hooks()  # a workflow_start hook may have registered a monitor

    # -- context manager ------------------------------------------------------------------------

    def __enter__(self) -> DataFlowKernel:
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        mode = self._config.exit_mode
        if mode == "skip":
            return
        if mode == "wait" and exc_type is None:
            self.wait_for_current_tasks()
        self.cleanup()

    @property
    def config(self) -> Config:
        """The configuration this DataFlowKernel runs."""
        return self._config

    @property
    def task_state_counts(self) -> Dict[States, int]:
        """How many of this run's tasks are in each state now."""
        with self._counts_lock:
            return {s: self._counts[s] for s in _STATES}

    # -- executors ------------------------------------------------------------------------------

    def add_executors(self, executors: Sequence[ParslExecutor]) -> None:
        """Start ``executors`` and route tasks to them; block executors get the job status poller."""
        for executor in executors:
            if executor.label in self.executors:
                raise ConfigurationError(f"an executor labelled {executor.label!r} is already in use")
            executor.run_id = self.run_id
            executor.run_dir = self.run_dir
            log_setting = self._config.initialize_logging
            executor.log_config = log_setting if isinstance(log_setting, LogConfig) else None
            provider = getattr(executor, "provider", None)
            if provider is not None and hasattr(provider, "script_dir"):
                provider.script_dir = os.path.join(self.run_dir, "submit_scripts")
                os.makedirs(provider.script_dir, exist_ok=True)
            if isinstance(provider, ExecutionProvider):
                provider.start()  # fail here if the cluster cannot be reached
            executor.start()
            self.executors[executor.label] = executor
            kind = parsl_name(type(executor))
            logger.info("Started executor %s (%s)", executor.label, kind,
                        extra={"parsl.executor.label": executor.label, "parsl.executor.type": kind})
        self._labels = [k for k in self.executors if k != INTERNAL_EXECUTOR]
        self._poll_block_executors(executors)

    def _poll_block_executors(self, executors: Sequence[ParslExecutor]) -> None:
        if not any(hasattr(e, "provider") for e in executors):
            return  # no block executor possible: leave parsl.executors.status_handling unimported
        from parsl.executors.status_handling import BlockProviderExecutor

        blocks = [e for e in executors if isinstance(e, BlockProviderExecutor)]
        if not blocks:
            return
        if self.job_status_poller is None:
            from parsl.jobs.job_status_poller import JobStatusPoller

            c = self._config
            self.job_status_poller = JobStatusPoller(strategy=c.strategy, strategy_period=c.strategy_period,
                                                     max_idletime=c.max_idletime, dfk=self)
        self.job_status_poller.add_executors(blocks)

    def refresh_monitor_hooks(self) -> None:
        """Decide again which monitor hooks to call: per hook, whether any implementation exists.

        Called at load and after ``parsl_workflow_start``; call it after registering a monitor
        with the plugin manager later than that. With no ``parsl_task_state`` implementation,
        a task state transition costs one boolean test.
        """
        self._monitor_hooks = self._plugins.has_monitor_hooks()
        impls = self._hook.parsl_task_state.get_hookimpls()
        self._task_hooks = bool(impls)
        # Called directly, in pluggy's order (last registered first), when no implementation is a
        # wrapper: pluggy's general call costs a few microseconds per transition, about what a
        # monitor's own hook costs.
        plain = not any(getattr(i, "hookwrapper", False) or getattr(i, "wrapper", False) for i in impls)
        self._task_state_calls = ([_positional(i.function, tuple(i.argnames)) for i in reversed(impls)]
                                  if plain else None)

    def monitor_block_state(self, executor_label: str, block_id: str, job_id: object, status: JobStatus) -> None:
        """Report a block's new status to monitors (called by the job status poller)."""
        self._notify("parsl_block_state", dfk=self, executor_label=executor_label, block_id=block_id,
                     job_id=job_id, status=status)

    # -- submission -----------------------------------------------------------------------------

    def submit(self, func: Callable, app_args: Sequence[Any], executors: Union[str, Sequence[str]] = "all",
               cache: bool = False, ignore_for_cache: Optional[Sequence[str]] = None,
               app_kwargs: Optional[Dict[str, Any]] = None, join: bool = False, *, staging: bool = True) -> AppFuture:
        """Add a task for ``func(*app_args, **app_kwargs)`` and return its AppFuture.

        With ``staging=False`` the task's Files are passed as they are: the task moves them itself.
        """
        if self.cleanup_called:
            raise NoDataFlowKernelError("Cannot submit to a DFK that has been cleaned up")
        kwargs = app_kwargs if app_kwargs is not None else {}
        ignore = list(ignore_for_cache) if ignore_for_cache else _NOTHING
        task_id = next(self._task_ids)  # atomic: apps may be called from many threads at once
        self.task_count = task_id + 1
        if executors == "all":
            labels = self._labels
            if len(labels) > 1:
                labels = self.data_manager.able_to_stage(labels, app_args, kwargs)
            label = labels[0] if len(labels) == 1 else random.choice(labels)
        elif isinstance(executors, (list, tuple)) and executors:
            label = executors[0] if len(executors) == 1 else random.choice(executors)
        else:
            raise ValueError(f"Task {task_id} supplied invalid executors {executors!r}: "
                             f"expected 'all' or a non-empty list of executor labels")

        task = TaskRecord(self, task_id, func, app_args, kwargs, label, cache, ignore, join, _time())
        task.task_launch_lock = self._task_launch_lock
        app_fu = AppFuture(task)
        task.app_fu = app_fu
        if "stdout" in kwargs or "stderr" in kwargs:
            self._resolve_auto_lognames(task)  # as in Parsl, a failing std_autopath raises here
        failure = self._prepare(task, label, staging)
        if failure is not None:
            task.depends = _NOTHING
            self._update_state(task, States.pending)
            self.tasks[task_id] = task
            self._complete_exception(task, States.failed, failure)
            return app_fu
        depends = self._gather(task.args, kwargs)

        task.depends = depends or _NOTHING
        if self._log_tasks:
            self._log_submission(task)
        self._update_state(task, States.pending)
        self.tasks[task_id] = task
        if not depends:
            self._launch_when_ready(task)
        else:
            task._waiting = len(depends)
            callback = task.dependency_done
            for dep in depends:
                dep.add_done_callback(callback)
        return app_fu

    def submit_internal(self, func: Callable, *args: Any, **kwargs: Any) -> AppFuture:
        """Run ``func(*args, **kwargs)`` as a task on the internal executor; return its AppFuture.

        The entry point for Parsl's own tasks (staging, lifted future operations): no app layer
        in between, and the task's Files are not staged (it moves them itself).
        """
        return self.submit(func, args, executors=[INTERNAL_EXECUTOR], app_kwargs=kwargs, staging=False)

    def _prepare(self, task: TaskRecord, label: str, staging: bool) -> Optional[Exception]:
        """Check the executor and stage the task's Files; return the error that fails the task, if any."""
        if label not in self.executors:
            return ValueError(f"Task {task.id} requested executor {label!r}, which is not configured "
                              f"(configured: {', '.join(self._labels)})")
        if task.args or task.kwargs:
            return self.data_manager.prepare(task, staging)
        return None

    def _log_submission(self, task: TaskRecord) -> None:
        """Parsl's structured submission records (``parsl.task``, ``parsl.dependency_task`` extras)."""
        for dep in task.depends:
            if isinstance(dep, (AppFuture, ExecDoneFuture)) and dep.task_record.dfk is self:
                task_logger.info("Task %s has dependency task %s", task.id, dep.tid,
                                  extra={"parsl.task": task.id, "parsl.dependency_task": dep.tid})
        waiting = ", ".join(map(self.render_future_description, task.depends)) or "no dependency"
        task_logger.info("Task %s submitted for App %s, waiting on %s", task.id, task.func_name, waiting,
                          extra={"parsl.task": task.id, "parsl.app_name": task.func_name})

    def _resolve_auto_lognames(self, task: TaskRecord) -> None:
        kwargs = task.kwargs
        for kw in ("stdout", "stderr"):
            spec = kwargs.get(kw)
            if isinstance(spec, int) and spec == _AUTO_LOGNAME:
                if kw not in task.ignore_for_cache:
                    task.ignore_for_cache = [*task.ignore_for_cache, kw]
                autopath = self._config.std_autopath or self.default_std_autopath
                kwargs[kw] = autopath(task, kw)

    def default_std_autopath(self, taskrecord: TaskRecord, kw: str) -> str:
        """``<run_dir>/task_logs/<id // 10000>/task_<id>_<func>[_<label>].<stdout|stderr>``."""
        label = taskrecord["kwargs"].get("label")
        task_id = taskrecord["id"]
        suffix = "" if label is None else f"_{label}"
        return os.path.join(self.run_dir, "task_logs", str(task_id // 10000).zfill(4),
                            f"task_{str(task_id).zfill(4)}_{taskrecord['func_name']}{suffix}.{kw}")

    def _gather(self, args: Sequence[Any], kwargs: Dict[str, Any]) -> List[Future]:
        """Every future the task must wait for, per the dependency resolver."""
        if self._shallow:
            deps = [a for a in args if isinstance(a, Future)] if args else []
            if kwargs:
                deps.extend(v for v in kwargs.values() if isinstance(v, Future))
                inputs = kwargs.get("inputs")
                if inputs:
                    deps.extend(v for v in inputs if isinstance(v, Future))
            return deps
        gather = self.dependency_resolver.traverse_to_gather
        deps = [f for a in args for f in gather(a)]
        for v in kwargs.values():
            deps.extend(gather(v))
        for v in kwargs.get("inputs") or ():
            deps.extend(gather(v))
        return deps

    def _unwrap(self, task: TaskRecord) -> List[Tuple[BaseException, str]]:
        """Replace the task's futures by their results; return the failures found instead."""
        failures: List[Tuple[BaseException, str]] = []
        unwrap: Callable[[Any], Any] = _result if self._shallow else self.dependency_resolver.traverse_to_unwrap

        def value(v: Any) -> Any:
            try:
                return unwrap(v)
            except Exception as e:
                failures.append((e, self.render_future_description(v)))
                return None

        task.args = tuple(value(a) for a in task.args)
        kwargs = task.kwargs
        for k, v in kwargs.items():
            kwargs[k] = value(v)
        if kwargs.get("inputs"):
            kwargs["inputs"] = [value(v) for v in kwargs["inputs"]]
        return failures

    # -- launching ------------------------------------------------------------------------------

    def _dependency_done(self, task: TaskRecord) -> None:
        with self._deps_lock:
            task._waiting -= 1
            ready = task._waiting == 0
        if ready:
            self._launch_when_ready(task)

    def _launch_when_ready(self, task: TaskRecord) -> None:
        """Launch ``task`` now, or after the launch this thread is already making."""
        local = self._launching
        queue: Optional[Deque[TaskRecord]] = getattr(local, "queue", None)
        if queue is not None:
            queue.append(task)
            return
        local.queue = queue = deque((task,))
        try:
            while queue:
                task = queue.popleft()
                try:
                    self._launch_if_ready(task)
                except BaseException as e:  # a bug here must not leave the task's future pending
                    self._internal_error(task, e)
        finally:
            local.queue = None

    def launch_if_ready(self, task_record: TaskRecord) -> None:
        """Launch a pending task whose dependencies are all done (Parsl's name; safe to call any time)."""
        if task_record.status is States.pending and all(d.done() for d in task_record.depends):
            self._launch_when_ready(task_record)

    def _launch_if_ready(self, task: TaskRecord) -> None:
        with self._task_launch_lock:  # each try is launched once, whoever asks
            if task.status is not States.pending or task._launched_try == task.try_id:
                return
            task._launched_try = task.try_id
        failures = self._unwrap(task) if task.depends else None
        if failures:
            exec_fu: Future = Future()
            exec_fu.set_exception(DependencyError(failures, task.id))
        else:
            try:
                exec_fu = self.launch_task(task)
            except Exception as e:
                exec_fu = Future()
                exec_fu.set_exception(e)
        task.exec_fu = exec_fu
        exec_fu.add_done_callback(task.try_done)

    def launch_task(self, task_record: TaskRecord) -> Future:
        """Hand one try of a task to its executor (or to the memo table); return the try's future."""
        task = task_record
        task.try_time_launched_epoch = _time()
        if task.memoize or self._memo_all:
            memo_fu = self.memoizer.check_memo(task)
            if memo_fu is not None:
                task.from_memo = True
                return memo_fu
        task.from_memo = False
        executor = self.executors[task.executor]
        func = task.func
        if self.monitoring is not None and executor.monitor_resources():
            func = self._wrap_for_monitor(task, func)
        with self.submitter_lock:
            exec_fu = executor.submit(func, task.resource_specification,  # type: ignore[arg-type]
                                      *task.args, **task.kwargs)
        self._update_state(task, States.launched)
        if self._log_tasks:
            _log_launch(task, executor.label, exec_fu)
        return exec_fu

    # -- completion -----------------------------------------------------------------------------

    def handle_exec_update(self, task_record: TaskRecord, future: Future) -> None:
        """A try of a task finished: complete the task, retry it, or start joining."""
        try:
            self._handle_exec_update(task_record, future)
        except BaseException as e:  # the task's future must complete whatever went wrong here
            self._internal_error(task_record, e)

    @staticmethod
    def _internal_error(task: TaskRecord, e: BaseException) -> None:
        logger.exception("Internal error while handling task %s", task.id)
        app_fu = task.app_fu
        if app_fu is not None and not app_fu.done():
            app_fu.set_exception(e)

    def _handle_exec_update(self, task: TaskRecord, future: Future) -> None:
        task.try_time_returned_epoch = _time()
        try:
            res = future.result()
        except BaseException as e:
            if self.monitoring is not None and task.from_memo is False and self._wrapped(task):
                e = self._unwrap_for_monitor(task, e, failed=True)
            self._handle_failure(task, e)
        else:
            if self.monitoring is not None and task.from_memo is False and self._wrapped(task):
                res = self._unwrap_for_monitor(task, res, failed=False)
            if type(res) is RemoteExceptionWrapper:
                self._handle_remote_failure(task, res)
            elif task.from_memo:
                self._complete_result(task, States.memo_done, res)
            elif task.join:
                self._start_join(task, res)
            else:
                self._complete_result(task, States.exec_done, res)
        if task.status is States.pending:
            self._launch_when_ready(task)

    def _handle_remote_failure(self, task: TaskRecord, wrapper: RemoteExceptionWrapper) -> None:
        try:
            wrapper.reraise()
        except BaseException as e:
            self._handle_failure(task, e)

    def _wrapped(self, task: TaskRecord) -> bool:
        """Whether this try ran on an executor that was sent the monitor's wrapper (see ``launch_task``)."""
        executor = self.executors.get(task.executor)
        return executor is not None and executor.monitor_resources()

    def _wrap_for_monitor(self, task: TaskRecord, func: Callable) -> Callable:
        """The monitor's worker-side wrapper of ``func``, or ``func`` if the monitor fails."""
        try:
            return self.monitoring.wrap_task(task, func)  # type: ignore[union-attr]
        except Exception:
            logger.exception("The monitor's wrap_task failed for task %s; running it unmonitored", task.id)
            return func

    def _unwrap_for_monitor(self, task: TaskRecord, outcome: Any, failed: bool) -> Any:
        """The task's own result or exception out of a wrapped try's ``outcome`` (the monitor keeps its report).

        The record's ``exec_fu`` then holds that outcome too, as it would without monitoring.
        """
        try:
            unwrapped = self.monitoring.unwrap_result(task, outcome)  # type: ignore[union-attr]
        except Exception:
            logger.exception("The monitor's unwrap_result failed for task %s; using the outcome as it is", task.id)
            return outcome
        if unwrapped is not outcome:
            task.exec_fu = LightFuture.finished(exception=unwrapped) if failed else LightFuture.finished(unwrapped)
        return unwrapped

    def _handle_failure(self, task: TaskRecord, e: BaseException) -> None:
        task.fail_history.append(repr(e))
        task.fail_count += 1
        retries = self._config.retries
        handler = self._config.retry_handler
        if handler is not None:
            try:
                task.fail_cost += handler(e, task)
            except Exception as handler_error:
                logger.exception("Task %s: retry_handler raised, so the task will not be retried", task.id)
                task.fail_cost = retries + 1
                e = handler_error
        else:
            task.fail_cost += 1
        if isinstance(e, DependencyError):
            logger.info("Task %s failed because of a failed dependency", task.id)
            self._complete_exception(task, States.dep_fail, e)
        elif task.fail_cost <= retries:
            logger.info("Task %s try %s failed with %s; retrying", task.id, task.try_id, type(e).__name__)
            self._update_state(task, States.fail_retryable)
            task.try_id += 1
            task.try_time_launched_epoch = None
            task.try_time_returned_epoch = None
            self._update_state(task, States.pending)
        else:
            logger.info("Task %s failed after %s tries: %s: %s", task.id, task.try_id + 1, type(e).__name__, e)
            self._complete_exception(task, States.failed, e)

    def _start_join(self, task: TaskRecord, joinable: Any) -> None:
        if isinstance(joinable, Future):
            inner = [joinable]
        elif isinstance(joinable, list) and all(isinstance(j, Future) for j in joinable):
            inner = joinable
        else:
            self._complete_exception(task, States.failed, TypeError(
                f"join_app body must return a Future or list of Futures, got {joinable!r} of type {type(joinable)}"))
            return
        task.joins = joinable
        task.join_lock = threading.Lock()
        task._waiting = len(inner)
        self._update_state(task, States.joining)
        if not inner:
            self._finish_join(task)
            return
        callback = task.join_part_done
        for f in inner:
            f.add_done_callback(callback)

    def _join_part_done(self, task: TaskRecord) -> None:
        with task.join_lock:
            task._waiting -= 1
            if task._waiting:
                return
        self._finish_join(task)

    def _finish_join(self, task: TaskRecord) -> None:
        joinable = task.joins
        inner = [joinable] if isinstance(joinable, Future) else joinable
        failures: List[Tuple[BaseException, str]] = []
        for f in inner:
            e = f.exception()
            if e is not None:
                failures.append((e, self.render_future_description(f)))
        if failures:
            e = JoinError(failures, task.id)
            task.fail_history.append(repr(e))
            task.fail_count += 1
            self._complete_exception(task, States.failed, e)
        else:
            res = joinable.result() if isinstance(joinable, Future) else [f.result() for f in inner]
            self._complete_result(task, States.exec_done, res)

    def _complete_result(self, task: TaskRecord, state: States, result: Any) -> None:
        self._complete(task, state, result, None)

    def _complete_exception(self, task: TaskRecord, state: States, exception: BaseException) -> None:
        self._complete(task, state, None, exception)

    def _complete(self, task: TaskRecord, state: States, result: Any, exception: Optional[BaseException]) -> None:
        """Record the outcome, move to the final ``state``, forget the record, complete the future.

        A task with stage-outs first completes its ``ExecDoneFuture`` (which starts them) and
        comes back here once they are all done.
        """
        app_fu = task.app_fu
        gate = app_fu._exec_done
        if gate is not None:
            app_fu._exec_done = None
            self.data_manager.run_stage_outs(task, gate, result, exception, functools.partial(
                self._complete_after_stage_out, task, state, result, exception))
            return
        task.time_returned_epoch = _time()
        if task.memoize or self._memo_all:
            _guarded(lambda: self._memoize_outcome(task, result, exception), f"memoizing task {task.id}")
        self._update_state(task, state)
        self.wipe_task(task.id)
        if self._config.garbage_collect:
            task.release_app_fu()
        if exception is None:
            app_fu.set_result(result)
        else:
            app_fu.set_exception(exception)

    def _complete_after_stage_out(self, task: TaskRecord, state: States, result: Any,
                                  exception: Optional[BaseException], failure: Optional[BaseException]) -> None:
        """Complete a task whose stage-outs are done; a stage-out ``failure`` fails it."""
        if failure is None:
            self._complete(task, state, result, exception)
            return
        logger.info("Task %s failed in stage-out: %s", task.id, failure)
        task.fail_history.append(repr(failure))
        task.fail_count += 1
        self._complete(task, States.failed, None, failure)

    def _memoize_outcome(self, task: TaskRecord, result: Any, exception: Optional[BaseException]) -> None:
        if exception is None:
            self.memoizer.update_memo_result(task, result)
        else:
            self.memoizer.update_memo_exception(task, exception)

    def _update_state(self, task: TaskRecord, new_state: States) -> None:
        counts = self._counts
        with self._counts_lock:
            try:
                counts[task.status] -= 1
            except AttributeError:
                pass
            counts[new_state] += 1
        task.status = new_state
        if self._log_tasks:
            extra = {"parsl.task": task.id, "parsl.try": task.try_id, "parsl.task_state": new_state.name}
            task_logger.info("Task %s (%s) try %s: %s", task.id, task.func_name, task.try_id, new_state.name,
                             extra=extra)
        if self._task_hooks:
            calls = self._task_state_calls
            if calls is None:
                self._notify("parsl_task_state", dfk=self, task_record=task, state=new_state)
                return
            for function in calls:
                try:
                    function(self, task, new_state)
                except Exception:
                    logger.exception("A monitor's parsl_task_state hook raised; ignoring it")

    def _notify(self, hook: str, **kwargs: Any) -> None:
        """Call a monitor hook; a monitor's exception is logged, never propagated."""
        if not self._monitor_hooks:
            return
        try:
            getattr(self._hook, hook)(**kwargs)
        except Exception:
            logger.exception("A monitor's %s hook raised; ignoring it", hook)

    def wipe_task(self, task_id: int) -> None:
        """Forget a finished task's record (when ``garbage_collect`` is on)."""
        if self._config.garbage_collect:
            self.tasks.pop(task_id, None)

    def render_future_description(self, dep: Any) -> str:
        """``task N`` for this DataFlowKernel's AppFutures, else a description of the future."""
        if isinstance(dep, (AppFuture, ExecDoneFuture)) and dep.task_record.dfk is self:
            return f"task {dep.task_record.id!r}"
        if isinstance(dep, DataFuture):
            return f"DataFuture from task {dep.tid!r}"
        return repr(dep)

    # -- waiting and shutting down --------------------------------------------------------------

    def wait_for_current_tasks(self) -> None:
        """Wait until every task submitted so far has reached a final state."""
        logger.info("Waiting for all remaining tasks to complete")
        for task in list(self.tasks.values()):
            app_fu = task.app_fu  # None once finished, forgotten and dropped by the program
            if app_fu is not None:
                app_fu.exception()
            while task.status not in FINAL_STATES:  # the state is final just before the future is
                time.sleep(0.001)
        logger.info("All remaining tasks completed")

    def log_task_states(self) -> None:
        """One record: Parsl's summary lines (``Tasks in state States.exec_done: 3``), for states with tasks."""
        logger.info("Summary of tasks in DFK:%s", "".join(
            f"\n  Tasks in state States.{s.name}: {n}" for s, n in self.task_state_counts.items() if n))

    def atexit_cleanup(self) -> None:
        """A script that ends without ``cleanup()`` (as notebook-style tutorials do) leaves
        nothing running: helper processes, blocks and monitors are released here."""
        if not self.cleanup_called:
            logger.warning("Python is exiting with a DFK still running: cleaning it up now. "
                           "You should call parsl.dfk().cleanup() before exiting to release any resources")
            self.cleanup()

    def cleanup(self) -> None:
        """Close everything: memoizer, job status poller, executors, monitors, the log file."""
        if self.cleanup_called:
            raise DataFlowException("attempt to clean up DFK when it has already been cleaned-up")
        self.cleanup_called = True
        logger.info("DFK cleanup initiated")
        self.log_task_states()
        _guarded(self.memoizer.close, "closing the memoizer")
        self._release()
        _guarded(self.usage_tracker.send_end_message, "sending the usage-tracking end message")
        self.usage_tracker.close()
        atexit.unregister(self.atexit_cleanup)
        if DataFlowKernelLoader._dfk is self:
            DataFlowKernelLoader.clear()

    def _release(self) -> None:
        """Stop the poller and executors, say goodbye to monitors, detach the log file."""
        if self.job_status_poller is not None:
            _guarded(self.job_status_poller.close, "closing the job status poller")
        for executor in self.executors.values():
            _guarded(executor.shutdown, f"shutting down executor {executor.label}")
        self.time_completed = _now()
        if self._started:
            self._notify("parsl_workflow_end", dfk=self)
        if self.monitoring is not None:
            _guarded(lambda: self._plugins.pm.unregister(self.monitoring), "unregistering the monitor")
            _guarded(self.monitoring.close, "closing the monitor")
        logger.info("DFK cleanup complete")
        if self._logging_unregister is not None:
            self._logging_unregister()
            self._logging_unregister = None


def _log_launch(task: TaskRecord, label: str, exec_fu: Future) -> None:
    """Parsl's one record per try binding the task to its executor (and the executor's task id)."""
    extra = {"parsl.task": task.id, "parsl.try": task.try_id, "parsl.executor": label}
    executor_task = getattr(exec_fu, "parsl_executor_task_id", None)
    if executor_task is not None:
        extra["parsl.executor_task"] = executor_task
    task_logger.info("Parsl task %s try %s launched on executor %s", task.id, task.try_id, label, extra=extra)


def _guarded(step: Callable[[], Any], what: str) -> None:
    try:
        step()
    except Exception:
        logger.exception("Error while %s", what)


def _result(v: Any) -> Any:
    return v.result() if isinstance(v, Future) else v


def _workflow_name() -> str:
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return os.path.basename(path) if path else "unnamed"


class DataFlowKernelLoader:
    """The process's current DataFlowKernel (``parsl.load``/``dfk``/``clear``)."""

    _dfk: Optional[DataFlowKernel] = None

    @classmethod
    def clear(cls) -> None:
        """Forget the current DataFlowKernel (without cleaning it up), so another can be loaded."""
        cls._dfk = None

    @classmethod
    def load(cls, config: Union[Config, str, os.PathLike[str], None] = None, *, site: Optional[str] = None,
             **site_params: Any) -> DataFlowKernel:
        """Start a DataFlowKernel for ``config`` (a ``Config``, a TOML/YAML file path, or None for the default),
        or for a site template: ``load(site="frontera", account="abc")``."""
        if cls._dfk is not None:
            raise ConfigurationError("Config has already been loaded")
        if site is not None or site_params:
            if config is not None or site is None:
                raise ConfigurationError("load() takes either a config or site=NAME with its parameters")
            from parsl.configfile import config_from_data

            config = config_from_data({"site": {"name": site, **site_params}}, f"site {site!r}")
        if isinstance(config, (str, os.PathLike)):
            from parsl.config import load_config_file

            config = load_config_file(os.fspath(config))
        cls._dfk = DataFlowKernel(config if config is not None else Config())
        return cls._dfk

    @classmethod
    def wait_for_current_tasks(cls) -> None:
        """Wait for every task of the current DataFlowKernel to finish."""
        cls.dfk().wait_for_current_tasks()

    @classmethod
    def dfk(cls) -> DataFlowKernel:
        """The current DataFlowKernel; ``NoDataFlowKernelError`` if none is loaded."""
        if cls._dfk is None:
            raise NoDataFlowKernelError("Must first load config")
        return cls._dfk
