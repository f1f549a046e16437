"""The DataManager: stages the Files of each task through its executor's staging providers.

An executor's ``storage_access`` lists its staging providers; when it is None the defaults are
used: the stagers registered for ``DEFAULT_SCHEMES`` (the core's own plugin registers local
files and zip files; HTTP(S)/FTP come from plugins when installed). The first provider whose
``can_stage_in``/``can_stage_out`` accepts a File stages it. A File nobody accepts fails its
task with ``NoStagingProvider``, naming the scheme and the distribution that would handle it.

The DataManager also keeps each task's staging bookkeeping: the DataFutures of its outputs,
the stage-outs its AppFuture waits for, and the first stage-out failure. Staging tasks run on
the DataFlowKernel's internal executor through ``submit_staging_task``.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from parsl.app.futures import DataFuture
from parsl.data_provider.files import File
from parsl.data_provider.replicas import ReplicaRegistry
from parsl.data_provider.site_moves import Routes
from parsl.data_provider.staging import Staging
from parsl.data_provider.staging_errors import StagingError, describe
from parsl.dataflow.futures import ExecDoneFuture
from parsl.errors import NoStagingProvider

if TYPE_CHECKING:
    from parsl.data_provider.site_store import SiteStore
    from parsl.data_provider.transfer_record import Transfer
    from parsl.dataflow.dflow import DataFlowKernel
    from parsl.dataflow.futures import AppFuture
    from parsl.dataflow.taskrecord import TaskRecord

logger = logging.getLogger(__name__)

#: The schemes whose registered stagers make the default staging list, in order (Parsl's
#: defaults: local files, zip archives, FTP and HTTP(S) when their plugins are installed).
DEFAULT_SCHEMES = ("file", "zip", "ftp", "http", "https")
_SPECIAL_KWARGS = ("stdout", "stderr", "inputs", "outputs")


def build_default_staging() -> List[Staging]:
    """One instance of each stager registered for ``DEFAULT_SCHEMES``, through the plugin registry."""
    from parsl.plugins.manager import get_plugin_manager

    providers: List[Staging] = []
    manager = get_plugin_manager()
    seen = set()
    for scheme in DEFAULT_SCHEMES:
        try:
            cls = manager.find("stager", scheme)
        except Exception as e:  # a name conflict between plugins: leave that scheme out
            logger.warning("No default stager for %s: %s", scheme, e)
            continue
        if cls is not None and cls not in seen:
            seen.add(cls)
            providers.append(cls())
    return providers


_default: Optional[List[Staging]] = None


def __getattr__(name: str) -> Any:
    if name == "default_staging":
        global _default
        if _default is None:
            _default = build_default_staging()
        return _default
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _once_app_done(app_fu: Future, staging_fut: Future) -> Future:
    """A future with ``staging_fut``'s outcome that completes only once ``app_fu`` has.

    The app's future completes after all its stage-outs, and code written for Parsl relies on a
    staged file's DataFuture being done only when the app's future is.
    """
    out: Future = Future()

    def copy(_: Future) -> None:
        source = staging_fut if staging_fut.done() else app_fu
        error = source.exception()
        if error is None:
            out.set_result(source.result())
        else:
            out.set_exception(error)

    app_fu.add_done_callback(copy)
    return out


class DataManager:
    """Stages the Files of a DataFlowKernel's tasks through its executors' staging providers."""

    def __init__(self, dfk: DataFlowKernel) -> None:
        self.dfk = dfk
        #: Where each file produced or moved by a site stager lives (see ``SiteStaging``).
        self.replicas = ReplicaRegistry()
        self.routes = Routes()
        #: Every transfer so far, in order (monitors also see each one as it happens).
        self.transfers: List[Transfer] = []
        self._transfers_lock = threading.Lock()

    def record_transfer(self, transfer: Transfer) -> None:
        """Keep ``transfer`` and report it to monitors (``parsl_transfer``)."""
        with self._transfers_lock:
            self.transfers.append(transfer)
        self.dfk._notify("parsl_transfer", dfk=self.dfk, transfer=transfer)

    def site_store(self, executor: str) -> SiteStore:
        """The data directory of the site of ``executor``, which must stage through ``SiteStaging``."""
        from parsl.data_provider.site_staging import SiteStaging

        if executor not in self.dfk.executors:
            raise ValueError(f"File site {executor!r} is not an executor of this workflow "
                             f"(known: {', '.join(sorted(self.dfk.executors))})")
        for provider in self.storage_access(executor):
            if isinstance(provider, SiteStaging):
                return provider.store(self, executor)
        raise ValueError(f"File site {executor!r}: that executor has no SiteStaging in its storage_access, "
                         f"so files cannot be taken from it")

    def able_to_stage(self, labels: List[str], args: Sequence[Any], kwargs: Dict[str, Any]) -> List[str]:
        """The executors among ``labels`` whose staging providers accept every File of a call.

        Unlabelled tasks are spread over these only. When none can, all of ``labels`` are
        returned, so that the task fails with the staging error that says why.
        """
        inputs, outputs = _files_of(args, kwargs)
        if not inputs and not outputs:
            return labels
        able = [label for label in labels if self._can_stage(label, inputs, outputs)]
        return able or labels

    def _can_stage(self, executor: str, inputs: List[File], outputs: List[File]) -> bool:
        providers = self.storage_access(executor)
        return (all(any(p.can_stage_in(f) for p in providers) for f in inputs)
                and all(any(p.can_stage_out(f) for p in providers) for f in outputs))

    def storage_access(self, executor: str) -> List[Staging]:
        """The staging providers of executor ``executor``, or the defaults."""
        providers = getattr(self.dfk.executors[executor], "storage_access", None)
        if providers is None:
            providers = __getattr__("default_staging")
        return providers  # type: ignore[no-any-return]

    def _provider(self, file: File, executor: str, stage_in: bool) -> Staging:
        providers = self.storage_access(executor)
        for provider in providers:
            if (provider.can_stage_in(file) if stage_in else provider.can_stage_out(file)):
                return provider
        raise NoStagingProvider(self._explain(file, executor, providers), file.scheme, executor)

    def _explain(self, file: File, executor: str, providers: List[Staging]) -> str:
        from parsl.plugins.manager import get_plugin_manager

        manager = get_plugin_manager()
        names = ", ".join(type(p).__name__ for p in providers) or "none"
        head = (f"Executor {executor!r} cannot stage file {file.url!r}: none of its staging providers "
                f"({names}) handles scheme {file.scheme!r}")
        try:
            installed = manager.find("stager", file.scheme)
        except Exception as e:
            return f"{head}; {e}"
        if installed is not None:
            return (f"{head}; the installed stager {installed.__name__} does: add it to the "
                    f"executor's storage_access")
        return f"{head}; {manager.explain_missing('stager', file.scheme)}"

    def optionally_stage_in(self, input: Any, func: Callable, executor: str) -> Tuple[Any, Callable]:
        """Stage a File or DataFuture argument in; return its replacement and the (maybe wrapped) function."""
        if isinstance(input, DataFuture):
            file = input.file_obj.cleancopy()
            input = DataFuture(input, file, tid=input.tid)
        elif isinstance(input, File):
            file = input = input.cleancopy()
        else:
            return input, func
        provider = self._provider(file, executor, stage_in=True)
        parent = input if isinstance(input, DataFuture) else None
        replacement = provider.stage_in(self, executor, file, parent_fut=parent) or input
        func = provider.replace_task(self, executor, file, func) or func
        return replacement, func

    def stage_out_one(self, file: File, func: Callable, executor: str, app_fu: Future,
                      exec_done: Future) -> Tuple[Callable, File, DataFuture, Optional[Future]]:
        """Plan the stage-out of an output File.

        The provider's stage-out waits on ``exec_done`` (the app has run), not on ``app_fu``,
        which itself waits for stage-out. Returns the (maybe wrapped) function, the File to
        pass to the app, its DataFuture, and the stage-out future (None if staged in-task).
        """
        tid = getattr(app_fu, "tid", None)
        copy = file.cleancopy()
        provider = self._provider(copy, executor, stage_in=False)
        staging_fut = provider.stage_out(self, executor, copy, exec_done)
        df = DataFuture(app_fu if staging_fut is None else _once_app_done(app_fu, staging_fut), file, tid=tid)
        func = provider.replace_task_stage_out(self, executor, copy, func) or func
        return func, copy, df, staging_fut

    # -- staging tasks -----------------------------------------------------------------------

    def submit_staging_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> AppFuture:
        """Run ``func(*args, **kwargs)`` as a task on the internal executor; return its AppFuture.

        Staging tasks are ordinary tasks (their states reach monitors) whose own
        ``inputs``/``outputs`` are not staged again: ``outputs`` only get DataFutures.
        """
        return self.dfk.submit_internal(func, *args, **kwargs)

    def stage_in_task(self, file: File, parent_fut: Optional[Future], func: Callable[..., Any],
                      *args: Any) -> DataFuture:
        """Run ``func(*args, parent_fut=parent_fut, outputs=[file])`` as a staging task; ``file``'s DataFuture."""
        return self.submit_staging_task(func, *args, parent_fut=parent_fut, outputs=[file]).outputs[0]

    # -- a task's staging bookkeeping -----------------------------------------------------------

    def prepare(self, task: TaskRecord, staging: bool = True) -> Optional[Exception]:
        """Stage the Files of a new task; return the error that fails the task instead, if any.

        A File no staging provider accepts fails the task (other tasks are unaffected); any
        other staging error (``ZipAuthorityError``...) is raised to the caller at once, as in
        Parsl. A task that moves its own Files (``staging=False``, or Parsl's marker keyword
        ``_parsl_staging_inhibit``) only gets the DataFutures of its outputs.
        """
        app_fu = task.app_fu
        try:
            if not staging or task.kwargs.get("_parsl_staging_inhibit"):
                self._outputs_unstaged(task.kwargs, app_fu)
            else:
                self._stage(task, task.executor, app_fu)
        except NoStagingProvider as e:
            return e
        except BaseException as e:  # raised to the caller: stage-outs planned so far must not wait forever
            if app_fu._exec_done is not None:
                app_fu._exec_done.set_exception(e)
            raise
        return None

    def _stage(self, task: TaskRecord, label: str, app_fu: AppFuture) -> None:
        """Offer every File (and DataFuture) of the call to the staging providers."""
        args, kwargs = task.args, task.kwargs
        func = task.func
        stage_in = self.optionally_stage_in
        staged = (File, DataFuture)
        if args and any(isinstance(a, staged) for a in args):
            new_args = list(args)
            for i, a in enumerate(new_args):
                new_args[i], func = stage_in(a, func, label)
            task.args = tuple(new_args)
        for k, v in kwargs.items():
            if k not in _SPECIAL_KWARGS and isinstance(v, staged):
                kwargs[k], func = stage_in(v, func, label)
        inputs = kwargs.get("inputs")
        if inputs:
            inputs = kwargs["inputs"] = list(inputs)
            for i, f in enumerate(inputs):
                inputs[i], func = stage_in(f, func, label)
        outputs = kwargs.get("outputs")
        if outputs:
            outputs = kwargs["outputs"] = list(outputs)
            data_futures = []
            for i, f in enumerate(outputs):
                func, outputs[i], df = self._plan_stage_out(f, func, label, app_fu)
                data_futures.append(df)
            app_fu._outputs = data_futures
        for kw in ("stdout", "stderr"):
            f = kwargs.get(kw)
            if isinstance(f, File):
                func, kwargs[kw], df = self._plan_stage_out(f, func, label, app_fu)
                setattr(app_fu, f"_{kw}_future", df)
        task.func = func

    def _plan_stage_out(self, file: File, func: Callable, label: str,
                        app_fu: AppFuture) -> Tuple[Callable, File, DataFuture]:
        """Plan one stage-out; the AppFuture will wait for the stage-out future it makes."""
        gate = app_fu._exec_done
        if gate is None:
            gate = app_fu._exec_done = ExecDoneFuture(app_fu.task_record)
            app_fu._stage_outs = []
        func, copy, df, staging = self.stage_out_one(file, func, label, app_fu, gate)
        if staging is not None:
            app_fu._stage_outs.append((staging, file.url))  # type: ignore[attr-defined]
        return func, copy, df

    @staticmethod
    def _outputs_unstaged(kwargs: Dict[str, Any], app_fu: AppFuture) -> None:
        outputs = kwargs.get("outputs")
        if outputs:
            app_fu._outputs = [DataFuture(app_fu, f, tid=app_fu.tid) for f in outputs]

    def run_stage_outs(self, task: TaskRecord, gate: ExecDoneFuture, result: Any,
                       exception: Optional[BaseException], then: Callable[[Optional[BaseException]], None]) -> None:
        """Start the stage-outs (by completing ``gate`` with the app's outcome); ``then(failure)`` when all are done.

        ``failure`` is the first stage-out failure, as a ``StagingError``, when the app itself
        succeeded; None otherwise.
        """
        stage_outs = task.app_fu._stage_outs
        if exception is None:
            gate.set_result(result)
        else:
            gate.set_exception(exception)
        if not stage_outs:
            then(None)
            return
        remaining = [len(stage_outs)]
        lock = threading.Lock()

        def one_done(_fut: Future) -> None:
            with lock:
                remaining[0] -= 1
                if remaining[0]:
                    return
            try:
                then(_stage_out_failure(stage_outs) if exception is None else None)
            except BaseException as e:
                self.dfk._internal_error(task, e)

        for fut, _url in stage_outs:
            fut.add_done_callback(one_done)

    # Parsl's method names, for staging providers written against them.

    def stage_in(self, file: File, input: Any, executor: str) -> Any:
        parent = input if isinstance(input, DataFuture) else None
        return self._provider(file, executor, True).stage_in(self, executor, file, parent_fut=parent) or input

    def stage_out(self, file: File, executor: str, app_fu: Future) -> Optional[Future]:
        return self._provider(file, executor, False).stage_out(self, executor, file, app_fu)

    def replace_task(self, file: File, func: Callable, executor: str) -> Callable:
        return self._provider(file, executor, True).replace_task(self, executor, file, func) or func

    def replace_task_stage_out(self, file: File, func: Callable, executor: str) -> Callable:
        return self._provider(file, executor, False).replace_task_stage_out(self, executor, file, func) or func


def _files_of(args: Sequence[Any], kwargs: Dict[str, Any]) -> Tuple[List[File], List[File]]:
    """The Files a call stages in (arguments, ``inputs``) and out (``outputs``, ``stdout``/``stderr``)."""
    def file_of(value: Any) -> Optional[File]:
        if isinstance(value, DataFuture):
            return value.file_obj
        return value if isinstance(value, File) else None

    candidates = [*args, *(v for k, v in kwargs.items() if k not in _SPECIAL_KWARGS), *(kwargs.get("inputs") or ())]
    inputs = [f for f in map(file_of, candidates) if f is not None]
    produced = [*(kwargs.get("outputs") or ()), kwargs.get("stdout"), kwargs.get("stderr")]
    outputs = [f for f in produced if isinstance(f, File)]
    return inputs, outputs


def _stage_out_failure(stage_outs: Sequence[Tuple[Future, str]]) -> Optional[BaseException]:
    """The first stage-out failure, as a ``StagingError`` naming the URL and the cause."""
    for fut, url in stage_outs:
        e = fut.exception()
        if e is not None:
            if isinstance(e, StagingError):
                return e
            error = StagingError(url, describe(e), direction="out")
            error.__cause__ = e
            return error
    return None
