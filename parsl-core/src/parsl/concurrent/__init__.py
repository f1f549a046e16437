"""``ParslPoolExecutor``: Parsl behind the ``concurrent.futures.Executor`` interface."""

from __future__ import annotations

import time
import warnings
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Literal, Optional, TypeVar, Union

if TYPE_CHECKING:
    from parsl.app.python import PythonApp
    from parsl.config import Config
    from parsl.dataflow.dflow import DataFlowKernel

T = TypeVar("T")


class ParslPoolExecutor(Executor):
    """Run functions as Parsl tasks: like ``ProcessPoolExecutor``, but on Parsl's executors.

    Give either a ``config`` (this object then loads and cleans up its own DataFlowKernel) or
    the ``dfk`` of an already loaded one. The futures are AppFutures, so they can be passed to
    apps as dependencies. Tasks cannot be cancelled.
    """

    def __init__(self, config: Optional[Config] = None, dfk: Optional[DataFlowKernel] = None,
                 executors: Union[Literal["all"], List[str]] = "all") -> None:
        if config is not None and dfk is not None:
            raise ValueError("Specify only one of config or dfk")
        if config is None and dfk is None:
            raise ValueError("Must specify one of config or dfk")
        self._config = config
        self._app_cache: Dict[Callable, PythonApp] = {}
        self.executors = executors
        if config is not None:
            from parsl.dataflow.dflow import DataFlowKernelLoader

            dfk = DataFlowKernelLoader.load(config)
        self._dfk = dfk

    def __enter__(self) -> ParslPoolExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._dfk is not None and self._config is not None:
            self.shutdown(wait=True)

    @property
    def app_count(self) -> int:
        """How many functions have been turned into apps."""
        return len(self._app_cache)

    def get_app(self, fn: Callable) -> PythonApp:
        """The (cached) PythonApp for ``fn``."""
        app = self._app_cache.get(fn)
        if app is None:
            from parsl.app.python import PythonApp

            app = self._app_cache[fn] = PythonApp(fn, data_flow_kernel=self._dfk, executors=self.executors)
        return app

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Any:
        if self._dfk is None:
            raise RuntimeError("Executor has been shut down.")
        return self.get_app(fn)(*args, **kwargs)

    def map(self, fn: Callable[..., T], *iterables: Iterable, timeout: Optional[float] = None,
            chunksize: int = 1, buffersize: Optional[int] = None) -> Iterator[T]:
        """Like ``Executor.map``; ``chunksize`` and ``buffersize`` are ignored, nothing is cancelled."""
        deadline = None if timeout is None else time.monotonic() + timeout
        app = self.get_app(fn)
        futures = [app(*args) for args in zip(*iterables)]

        def results() -> Iterator[T]:
            futures.reverse()
            while futures:
                fut = futures.pop()
                yield fut.result(None if deadline is None else deadline - time.monotonic())

        return results()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._dfk is None:
            return
        if cancel_futures:
            warnings.warn("Canceling on-going tasks is not supported in Parsl", stacklevel=2)
        if wait:
            self._dfk.wait_for_current_tasks()
        if self._config is not None:
            self._dfk.cleanup()
        self._dfk = None
