"""The block-scaling strategy: how many blocks each executor should have, decided on every poll.

Names (``Config.strategy``): ``'simple'`` scales out with load and scales in after
``max_idletime`` seconds without tasks; ``'htex_auto_scale'`` also scales in idle blocks while
other blocks are busy (executors whose ``scale_in`` takes ``max_idletime``); ``'none'`` (or the
deprecated ``None``) launches ``init_blocks`` and replaces those that end without being scaled
in (a lost node, a killed pool, a walltime), never keeping more than ``init_blocks`` alive.
Blocks that keep failing before they connect stop the replacement: the block error handler
then fails the executor (``parsl.jobs.error_handlers``).

Every strategy launches ``provider.init_blocks`` on the first poll of an executor. With
``parallelism`` p, the target is ``ceil(tasks * p)`` slots, a slot being one worker
(``workers_per_node * nodes_per_block`` per block), between ``min_blocks`` and ``max_blocks``.
"""

from __future__ import annotations

import inspect
import logging
import math
import time
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Set

import attrs

from parsl.executors.status_handling import BlockProviderExecutor
from parsl.jobs.states import JobState

logger = logging.getLogger(__name__)


@attrs.define
class ExecutorState:
    """What the strategy remembers about one executor between polls."""

    idle_since: Optional[float] = None
    first: bool = True
    #: Blocks that ended on their own and were already considered for replacement ('none').
    replaced: Set[str] = attrs.field(factory=set)


class Strategy:
    """Decides scale-out and scale-in for block executors; ``strategize(executors)`` per poll."""

    def __init__(self, *, strategy: Optional[str], max_idletime: float) -> None:
        self.executors: Dict[str, ExecutorState] = {}
        self.max_idletime = max_idletime
        strategies: Dict[Optional[str], Callable[[List[BlockProviderExecutor]], None]] = {
            None: self._strategy_init_only,
            "none": self._strategy_init_only,
            "simple": self._strategy_simple,
            "htex_auto_scale": self._strategy_htex_auto_scale,
        }
        if strategy not in strategies:
            raise ValueError(f"unknown strategy {strategy!r}: use one of 'simple', 'htex_auto_scale', 'none'")
        if strategy is None:
            warnings.warn("strategy=None is deprecated: use strategy='none'", DeprecationWarning, stacklevel=2)
        self.strategize = strategies[strategy]

    def add_executors(self, executors: Sequence[BlockProviderExecutor]) -> None:
        for executor in executors:
            self.executors.setdefault(executor.label, ExecutorState())

    def _init_blocks(self, executor: BlockProviderExecutor) -> None:
        state = self.executors.setdefault(executor.label, ExecutorState())
        if state.first:
            assert executor.provider is not None
            logger.info("Executor %s: launching %d initial blocks", executor.label, executor.provider.init_blocks)
            executor.scale_out_facade(executor.provider.init_blocks)
            state.first = False

    def _strategy_init_only(self, executors: List[BlockProviderExecutor]) -> None:
        for executor in executors:
            if not executor.bad_state_is_set:
                self._init_blocks(executor)
                self._replace_lost(executor)

    def _replace_lost(self, executor: BlockProviderExecutor) -> None:
        """Replace blocks that ended without being scaled in, keeping at most ``init_blocks`` alive."""
        assert executor.provider is not None
        state = self.executors[executor.label]
        status = executor.status_facade
        lost = [b for b, s in status.items()
                if s.terminal and s.state != JobState.SCALED_IN and b not in state.replaced]
        if not lost:
            return
        state.replaced.update(lost)
        active = sum(1 for s in status.values() if not s.terminal)
        n = min(len(lost), executor.provider.init_blocks - active)
        if n > 0:
            logger.info("Executor %s: replacing %d lost blocks", executor.label, n)
            executor.scale_out_facade(n)

    def _strategy_simple(self, executors: List[BlockProviderExecutor]) -> None:
        self._general_strategy(executors, scale_in_busy=False)

    def _strategy_htex_auto_scale(self, executors: List[BlockProviderExecutor]) -> None:
        self._general_strategy(executors, scale_in_busy=True)

    def _general_strategy(self, executors: List[BlockProviderExecutor], *, scale_in_busy: bool) -> None:
        for executor in executors:
            if executor.bad_state_is_set:
                logger.debug("Executor %s is in a bad state: not scaling it", executor.label)
                continue
            try:
                self._init_blocks(executor)
                self._scale(executor, scale_in_busy)
            except Exception:
                logger.exception("Scaling executor %s failed", executor.label)

    def _scale(self, executor: BlockProviderExecutor, scale_in_busy: bool) -> None:
        provider = executor.provider
        assert provider is not None
        label = executor.label
        state = self.executors[label]
        active_tasks = executor.outstanding()
        status = executor.status_facade.values()
        active_blocks = sum(1 for s in status if s.state in (JobState.RUNNING, JobState.PENDING))
        slots_per_block = executor.workers_per_node * provider.nodes_per_block
        active_slots = active_blocks * slots_per_block
        min_blocks, max_blocks = provider.min_blocks, provider.max_blocks
        logger.debug("Executor %s: %d tasks, %d slots in %d blocks", label, active_tasks, active_slots, active_blocks)

        if active_tasks > 0:
            state.idle_since = None

        if active_tasks == 0:
            if active_blocks <= min_blocks:
                return
            if state.idle_since is None:
                state.idle_since = time.time()
            # ">=": with max_idletime=0, at once, even when two readings of the clock are equal
            if time.time() - state.idle_since >= self.max_idletime:
                logger.info("Executor %s idle for more than %s s: scaling in %d blocks",
                            label, self.max_idletime, active_blocks - min_blocks)
                executor.scale_in_facade(active_blocks - min_blocks)
        elif active_slots / active_tasks < provider.parallelism:
            if active_blocks >= max_blocks:
                return
            excess_slots = math.ceil(active_tasks * provider.parallelism - active_slots)
            excess_blocks = min(math.ceil(excess_slots / slots_per_block), max_blocks - active_blocks)
            logger.info("Executor %s: scaling out by %d blocks", label, excess_blocks)
            executor.scale_out_facade(excess_blocks)
        elif active_slots == 0:
            if active_blocks < max_blocks:
                executor.scale_out_facade(1)
        elif active_slots > active_tasks and scale_in_busy and active_blocks > min_blocks:
            self._scale_in_idle(executor, active_slots, active_tasks, slots_per_block, active_blocks - min_blocks)

    def _scale_in_idle(self, executor: BlockProviderExecutor, active_slots: float, active_tasks: int,
                       slots_per_block: float, spare_blocks: int) -> None:
        if "max_idletime" not in inspect.signature(executor.scale_in).parameters:
            logger.error("Executor %s cannot scale in idle blocks (its scale_in takes no max_idletime): "
                         "strategy 'htex_auto_scale' is for the HighThroughputExecutor", executor.label)
            return
        assert executor.provider is not None
        excess_slots = math.floor(active_slots - active_tasks * executor.provider.parallelism)
        excess_blocks = min(math.floor(excess_slots / slots_per_block), spare_blocks)
        if excess_blocks > 0:
            executor.scale_in_facade(excess_blocks, max_idletime=self.max_idletime)
