"""Turn finished Dask futures into Parsl futures, gathering results in batches.

Dask runs done-callbacks on one thread of its own; a blocking ``result()`` there would cost one
scheduler round trip per task, serially. The callback only queues the finished future; one
collector thread drains the queue and fetches every successful result of a batch with a single
``client.gather``. Failed and cancelled tasks are rare and resolved one by one.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable, Dict, List

from parsl.dataflow.lightfuture import LightFuture
from parsl.executors.engine import EngineTaskFailed

logger = logging.getLogger(__name__)

ENGINE = "Dask scheduler"


class Collector:
    """Submits to ``client`` and completes each returned Parsl future from the collector thread."""

    def __init__(self, executor: Any, client: Any, join_timeout: float) -> None:
        self._executor = executor
        self._join_timeout = join_timeout
        self._client = client
        self._pending: Dict[str, tuple[LightFuture, Any]] = {}
        self._finished: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"DaskExecutor-{executor.label}-collector",
                                        daemon=True)
        self._thread.start()

    def submit(self, func: Callable[..., Any], args: Any, kwargs: Dict[str, Any], key: str,
               options: Dict[str, Any]) -> Future:
        fut = LightFuture()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"DaskExecutor {self._executor.label!r} has been shut down")
            dfut = self._client.submit(func, *args, key=key, pure=False, **options, **kwargs)
            self._pending[key] = (fut, dfut)
        dfut.add_done_callback(self._finished.put)
        return fut

    def _run(self) -> None:
        while True:
            batch = [self._finished.get()]
            while True:
                try:
                    batch.append(self._finished.get_nowait())
                except queue.Empty:
                    break
            stop = None in batch
            try:
                self._resolve([d for d in batch if d is not None])
            except Exception:
                logger.exception("%s: resolving finished Dask tasks failed", self._executor.label)
            if stop:
                return

    def _resolve(self, dask_futures: List[Any]) -> None:
        owned = []
        with self._lock:
            for dfut in dask_futures:
                entry = self._pending.pop(dfut.key, None)
                if entry is not None:
                    owned.append(entry)
        ok = [(fut, dfut) for fut, dfut in owned if dfut.status == "finished"]
        if ok:
            try:
                results = self._client.gather([dfut for _, dfut in ok])
            except Exception:  # one bad result must not fail the batch: resolve them one by one
                for fut, dfut in ok:
                    self._resolve_one(fut, dfut)
            else:
                for (fut, _), result in zip(ok, results):
                    fut.set_result(result)
        for fut, dfut in owned:
            if dfut.status != "finished":
                self._resolve_one(fut, dfut)

    def _resolve_one(self, fut: LightFuture, dfut: Any) -> None:
        try:
            fut.set_result(dfut.result())
        except Exception as e:
            fut.set_exception(self._translate(dfut, e))

    def _translate(self, dfut: Any, e: BaseException) -> BaseException:
        """The task's own exception (with its remote traceback) as is; the engine's failures as ``EngineTaskFailed``."""
        from distributed.scheduler import KilledWorker

        if dfut.status == "error" and not isinstance(e, KilledWorker):
            return e
        return EngineTaskFailed(self._executor, ENGINE, self._executor.scheduler_address,
                                f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)

    def close(self) -> None:
        """Fail every unfinished task (the executor is shutting down) and stop the collector thread."""
        with self._lock:
            self._closed = True
            left, self._pending = list(self._pending.values()), {}
        for fut, _ in left:
            fut.set_exception(EngineTaskFailed(self._executor, ENGINE, self._executor.scheduler_address,
                                               "the executor shut down before the task finished"))
        self._finished.put(None)
        self._thread.join(self._join_timeout)  # a gather stuck on a dead scheduler must not hang shutdown
        if self._thread.is_alive():
            logger.warning("%s: the collector thread is still waiting on the Dask scheduler; leaving it",
                           self._executor.label)
