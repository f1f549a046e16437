"""The DataManager: asks an executor's staging providers to move each File of a task.

An executor's ``storage_access`` lists its staging providers; when it is None the defaults are
used: local files, zip files, and whichever HTTP(S)/FTP stagers are installed as plugins
(``default_staging``). The first provider whose ``can_stage_in``/``can_stage_out`` accepts a
File stages it. A File nobody accepts fails its task with ``NoStagingProvider``, naming the
scheme and the distribution that would handle it.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple

from parsl.app.futures import DataFuture
from parsl.data_provider.files import File
from parsl.data_provider.staging import Staging
from parsl.errors import NoStagingProvider

if TYPE_CHECKING:
    from parsl.dataflow.dflow import DataFlowKernel

logger = logging.getLogger(__name__)

#: Schemes whose installed stager plugins join the default staging list, as in Parsl.
DEFAULT_PLUGIN_SCHEMES = ("ftp", "http", "https")


def build_default_staging() -> List[Staging]:
    """Local-file and zip staging plus every installed stager for ``DEFAULT_PLUGIN_SCHEMES``."""
    from parsl.data_provider.file_noop import NoOpFileStaging
    from parsl.data_provider.zip import ZipFileStaging
    from parsl.plugins.manager import get_plugin_manager

    providers: List[Staging] = [NoOpFileStaging(), ZipFileStaging()]
    manager = get_plugin_manager()
    seen = set()
    for scheme in DEFAULT_PLUGIN_SCHEMES:
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


class DataManager:
    """Stages the Files of a DataFlowKernel's tasks through its executors' staging providers."""

    def __init__(self, dfk: DataFlowKernel) -> None:
        self.dfk = dfk

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
        df = DataFuture(staging_fut if staging_fut is not None else app_fu, file, tid=tid)
        func = provider.replace_task_stage_out(self, executor, copy, func) or func
        return func, copy, df, staging_fut

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
