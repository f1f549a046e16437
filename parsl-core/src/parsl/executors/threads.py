"""``ThreadPoolExecutor``: runs tasks on threads of the submitting process (the built-in executor).

It keeps its own small worker pool rather than wrapping ``concurrent.futures.ThreadPoolExecutor``:
tasks travel through one ``SimpleQueue`` (a C queue, no Python-level locks) and complete
``LightFuture``s, which is several times cheaper per task than the stdlib pool. Threads start on
demand, up to ``max_threads``; ``shutdown`` lets queued tasks finish, then stops the threads.

The threads are daemon threads, but like the stdlib pool's they are not abandoned at interpreter
exit: a hook registered with ``threading._register_atexit`` (what ``concurrent.futures`` uses)
shuts every live pool down when the main thread ends, before ``atexit`` handlers run, so a
script that never calls ``cleanup()`` still gets its queued tasks run. Tasks submitted after
that (dependents launched by those tasks) fail with a clear ``RuntimeError``. As with the
stdlib, a task that never returns keeps the interpreter from exiting.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import weakref
from concurrent.futures import Future
from typing import Any, Callable, Dict, List, Optional

import attrs

from parsl.data_provider.staging import Staging
from parsl.dataflow.lightfuture import LightFuture
from parsl.executors.base import ParslExecutor
from parsl.executors.errors import InvalidResourceSpecification
from parsl.plugins.settings import fspath, settings

logger = logging.getLogger(__name__)

_live_pools: weakref.WeakSet[WorkerPool] = weakref.WeakSet()
_interpreter_exiting = False


def _finish_at_exit() -> None:
    """Let every live pool finish its queued tasks before the interpreter exits (stdlib-like)."""
    global _interpreter_exiting
    _interpreter_exiting = True
    for pool in list(_live_pools):
        queued = pool._queue.qsize()
        if queued:
            logger.warning("Python is exiting: finishing %d queued task(s) of thread pool %s first",
                           queued, pool.prefix)
        pool.shutdown(wait=True)


threading._register_atexit(_finish_at_exit)  # type: ignore[attr-defined]


class WorkerPool:
    """Up to ``max_workers`` threads taking ``(future, func, args, kwargs)`` items from one queue."""

    def __init__(self, max_workers: int, thread_name_prefix: str) -> None:
        if max_workers < 1:
            raise ValueError(f"max_threads must be at least 1, got {max_workers}")
        self.max_workers = max_workers
        self.prefix = thread_name_prefix
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: List[threading.Thread] = []
        #: one entry per thread waiting for a task that no submitted task has claimed yet: a thread
        #: appends one before it waits, a submission pops one or else starts a thread. ``append``
        #: and ``pop`` are atomic, so no lock is shared (the threads would queue on it: see
        #: docs/decisions.md, "Threads that queue on each other's locks")
        self._idle: List[None] = []
        self._lock = threading.Lock()
        self._shutdown = False
        _live_pools.add(self)

    def submit(self, func: Callable[..., Any], args: Any, kwargs: Dict[str, Any]) -> Future:
        if self._shutdown:
            if _interpreter_exiting:
                raise RuntimeError("cannot run a new task: the Python interpreter is exiting")
            raise RuntimeError("cannot submit a task after the executor has been shut down")
        fut = LightFuture()
        self._queue.put((fut, func, args, kwargs))
        idle = self._idle
        if idle:
            try:
                idle.pop()  # a waiting thread takes this task: no other task may count on it
                return fut
            except IndexError:  # another submitting thread took the last one
                pass
        if len(self._threads) < self.max_workers:
            self._add_thread()
        return fut

    def _add_thread(self) -> None:
        with self._lock:
            if len(self._threads) >= self.max_workers or self._shutdown:
                return
            t = threading.Thread(target=self._work, name=f"{self.prefix}_{len(self._threads)}", daemon=True)
            self._threads.append(t)
            t.start()

    def _work(self) -> None:
        """Run tasks until a stop marker. A thread is started for a task and takes the first one
        unclaimed; after each task it marks itself waiting (``_idle``) before it waits again."""
        get = self._queue.get
        waiting = self._idle.append
        item = get()
        while item is not None:
            fut, func, args, kwargs = item
            del item
            if fut.set_running_or_notify_cancel():
                try:
                    result = func(*args, **kwargs)
                except BaseException as e:
                    fut.set_exception(e)
                else:
                    fut.set_result(result)
            del fut, func, args, kwargs
            waiting(None)
            item = get()

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking tasks; queued ones still run. With ``wait``, return when every thread has ended."""
        with self._lock:
            self._shutdown = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        if wait:
            me = threading.current_thread()
            for t in threads:
                if t is not me:
                    t.join()
            if me not in threads:  # else this thread's stop marker is still queued
                self._fail_leftovers()

    def _fail_leftovers(self) -> None:
        """Fail tasks that slipped into the queue behind the stop markers: none is dropped silently."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None and item[0].set_running_or_notify_cancel():
                item[0].set_exception(RuntimeError("the thread pool shut down before this task could run"))


@settings
class ThreadPoolExecutor(ParslExecutor):
    """A pool of ``max_threads`` threads. Tasks share the process: nothing is serialized.

    Resource specifications are not supported (``InvalidResourceSpecification``).
    ``remote_monitoring_radio`` is accepted for compatibility and unused: monitoring needs no radio.
    """

    label: str = "threads"
    max_threads: Optional[int] = 2
    thread_name_prefix: Optional[str] = None
    storage_access: Optional[List[Staging]] = None
    working_dir: Optional[str] = attrs.field(default=None, converter=fspath)
    remote_monitoring_radio: Optional[Any] = None

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
