"""``JobStatusPoller``: the thread that polls block status, handles block errors and scales.

The DataFlowKernel creates one poller and gives it its block executors (``add_executors``).
The poller polls at once, so ``init_blocks`` are requested as soon as an executor is added,
then every ``strategy_period`` seconds: for each executor it refreshes block status
(``poll_facade``, itself rate-limited by the provider's ``status_polling_interval``), runs the
block error handler and then the scaling strategy. ``close()`` stops the thread and cancels
every block still running, so no job outlives the workflow.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, List, Optional, Sequence

from parsl.executors.status_handling import BlockProviderExecutor
from parsl.jobs.strategy import Strategy

if TYPE_CHECKING:
    from parsl.dataflow.dflow import DataFlowKernel

logger = logging.getLogger(__name__)


class JobStatusPoller:
    """Polls and scales block executors on a background thread."""

    def __init__(self, *, strategy: Optional[str], strategy_period: float, max_idletime: float,
                 dfk: Optional[DataFlowKernel] = None) -> None:
        self._executors: List[BlockProviderExecutor] = []
        self._strategy = Strategy(strategy=strategy, max_idletime=max_idletime)
        self.strategy_period = max(0.0, float(strategy_period))
        self._dfk = dfk
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="JobStatusPoller", daemon=True)
        self._thread.start()

    def add_executors(self, executors: Sequence[BlockProviderExecutor]) -> None:
        """Poll and scale these executors from now on (those without a provider are ignored)."""
        with self._lock:
            for executor in executors:
                if executor.status_polling_interval <= 0:
                    continue
                if self._dfk is not None and hasattr(self._dfk, "monitor_block_state"):
                    executor.block_state_callback = self._dfk.monitor_block_state
                self._executors.append(executor)
            self._strategy.add_executors(executors)
        self._wake.set()

    def poll(self) -> None:
        """One round: status, error handling and scaling for every executor."""
        with self._lock:
            executors = list(self._executors)
            for executor in executors:
                try:
                    executor.poll_facade()
                    executor.handle_errors(executor.status_facade)
                except Exception:
                    logger.exception("Polling executor %s failed", executor.label)
            self._strategy.strategize(executors)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.strategy_period)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.poll()
            except Exception:
                logger.exception("Job status poll failed")

    def close(self, timeout: Optional[float] = None) -> None:
        """Stop polling and cancel every block that is still pending or running.

        Unlike Parsl, executors in a bad state are scaled in too: their surviving blocks would
        otherwise hold scheduler allocations after the workflow ended.
        """
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        with self._lock:
            for executor in self._executors:
                try:
                    executor.scale_in_facade(len(executor.status_facade))
                except Exception:
                    logger.exception("Scaling in executor %s at close failed", executor.label)
