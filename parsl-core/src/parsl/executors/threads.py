"""``ThreadPoolExecutor``: runs tasks on threads of the submitting process (the built-in executor).

It keeps its own small worker pool rather than wrapping ``concurrent.futures.ThreadPoolExecutor``:
tasks travel through one ``SimpleQueue`` (a C queue, no Python-level locks) and complete
``LightFuture``s, which is several times cheaper per task than the stdlib pool. Threads start on
demand, up to ``max_threads``; ``shutdown`` lets queued tasks finish, then stops the threads.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable, Dict, List, Optional

import attrs

from parsl.data_provider.staging import Staging
from parsl.dataflow.lightfuture import LightFuture
from parsl.executors.base import ParslExecutor
from parsl.executors.errors import InvalidResourceSpecification
from parsl.plugins.settings import settings

logger = logging.getLogger(__name__)


class WorkerPool:
    """Up to ``max_workers`` threads taking ``(future, func, args, kwargs)`` items from one queue."""

    def __init__(self, max_workers: int, thread_name_prefix: str) -> None:
        if max_workers < 1:
            raise ValueError(f"max_threads must be at least 1, got {max_workers}")
        self.max_workers = max_workers
        self.prefix = thread_name_prefix
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: List[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._shutdown = False

    def submit(self, func: Callable[..., Any], args: Any, kwargs: Dict[str, Any]) -> Future:
        if self._shutdown:
            raise RuntimeError("cannot submit a task after the executor has been shut down")
        fut = LightFuture()
        self._queue.put((fut, func, args, kwargs))
        if self._idle <= 0 and len(self._threads) < self.max_workers:
            self._add_thread()
        return fut

    def _add_thread(self) -> None:
        with self._lock:
            if self._idle > 0 or len(self._threads) >= self.max_workers or self._shutdown:
                return
            t = threading.Thread(target=self._work, name=f"{self.prefix}_{len(self._threads)}", daemon=True)
            self._threads.append(t)
            t.start()

    def _work(self) -> None:
        get = self._queue.get
        lock = self._lock
        while True:
            with lock:
                self._idle += 1
            item = get()
            with lock:
                self._idle -= 1
            if item is None:
                return
            fut, func, args, kwargs = item
            del item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                result = func(*args, **kwargs)
            except BaseException as e:
                fut.set_exception(e)
            else:
                fut.set_result(result)
            del fut, func, args, kwargs

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking tasks; queued ones still run. With ``wait``, return when every thread has ended."""
        with self._lock:
            self._shutdown = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        if wait:
            for t in threads:
                if t is not threading.current_thread():
                    t.join()


@settings
class ThreadPoolExecutor(ParslExecutor):
    """A pool of ``max_threads`` threads. Tasks share the process: nothing is serialized.

    Resource specifications are not supported (``InvalidResourceSpecification``).
    """

    label: str = "threads"
    max_threads: Optional[int] = 2
    thread_name_prefix: Optional[str] = None
    storage_access: Optional[List[Staging]] = None
    working_dir: Optional[str] = attrs.field(default=None, converter=lambda p: None if p is None else os.fspath(p))

    executor: Optional[WorkerPool] = attrs.field(init=False, default=None, repr=False)

    def start(self) -> None:
        workers = self.max_threads if self.max_threads is not None else min(32, (os.cpu_count() or 1) + 4)
        self.executor = WorkerPool(workers, self.thread_name_prefix or f"ThreadPoolExecutor-{self.label}")

    def submit(self, func: Callable[..., Any], resource_specification: Dict[str, Any],
               *args: Any, **kwargs: Any) -> Future:
        if resource_specification:
            raise InvalidResourceSpecification(set(resource_specification),
                                               "Parsl resource specification is not supported in ThreadPool Executor.")
        if self.executor is None:
            raise RuntimeError(f"ThreadPoolExecutor {self.label!r} has not been started")
        return self.executor.submit(func, args, kwargs)

    def shutdown(self, block: bool = True) -> None:
        """Stop accepting tasks; with ``block``, wait for queued and running tasks to finish."""
        if self.executor is not None:
            self.executor.shutdown(wait=block)

    def monitor_resources(self) -> bool:
        """All tasks share this process: per-task resource monitoring means nothing here."""
        return False
