"""``BlockProviderExecutor``: the base of executors whose workers run in blocks from a provider.

A block is one job obtained from an ``ExecutionProvider``. This class launches blocks
(``scale_out_facade``), cancels them (``scale_in``/``scale_in_facade``), keeps the last known
status of each (``poll_facade``, ``status_facade``) and hands it to the block error handler
(``handle_errors``). The ``JobStatusPoller`` drives all of it; a subclass supplies the worker
command (``_get_launch_command``), its load (``outstanding``) and ``workers_per_node``.

Subclasses that are ``@settings`` classes declare ``provider`` and ``block_error_handler``
fields and call ``super().__attrs_post_init__()``; plain subclasses call
``BlockProviderExecutor.__init__(self, provider=..., block_error_handler=...)``.
"""

from __future__ import annotations

import datetime
import itertools
import logging
import threading
import time
from abc import abstractmethod
from concurrent.futures import Future, InvalidStateError
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

from parsl.executors.base import ParslExecutor
from parsl.executors.errors import BadStateException, ScalingFailed
from parsl.jobs.error_handlers import noop_error_handler, simple_error_handler
from parsl.jobs.states import TERMINAL_STATES, JobState, JobStatus
from parsl.providers.base import ExecutionProvider

logger = logging.getLogger(__name__)

ErrorHandler = Callable[["BlockProviderExecutor", Dict[str, JobStatus]], None]
#: Called as ``(executor_label, block_id, job_id, status)`` whenever a block changes state.
BlockStateCallback = Callable[[str, str, object, JobStatus], None]


class BlockProviderExecutor(ParslExecutor):
    """An executor that scales by submitting and cancelling blocks through ``provider``."""

    provider: Optional[ExecutionProvider]
    block_error_handler: Union[bool, ErrorHandler]

    def __init__(self, *, provider: Optional[ExecutionProvider],
                 block_error_handler: Union[bool, ErrorHandler] = True) -> None:
        self.provider = provider
        self.block_error_handler = block_error_handler
        self.__attrs_post_init__()

    def __attrs_post_init__(self) -> None:
        if self.block_error_handler is False:
            # Parsl's executors keep the handler that ``False`` stands for (code checks it with
            # ``is noop_error_handler``); it dumps to a config file as that function's path.
            self.block_error_handler = noop_error_handler
        handler = self.block_error_handler
        if isinstance(handler, bool):
            handler = simple_error_handler if handler else noop_error_handler
        self._error_handler: ErrorHandler = handler
        self._executor_bad_state = threading.Event()
        self._executor_exception: Optional[BaseException] = None
        self._block_ids = itertools.count()
        self._block_id_lock = threading.Lock()
        self._tasks: Dict[object, Future] = {}
        self._last_poll_time = 0.0
        self.blocks_to_job_id: Dict[str, Any] = {}
        self._connected_blocks: Set[str] = set()
        self._lost_blocks: Dict[str, str] = {}  # block id -> why, until the poller ends its job
        self.job_ids_to_block: Dict[Any, str] = {}
        # failures at submit time and scale-in decisions, which the provider cannot report
        self._simulated_status: Dict[str, JobStatus] = {}
        self._status: Dict[str, JobStatus] = {}
        self.block_state_callback: Optional[BlockStateCallback] = None

    # -- what a subclass provides ------------------------------------------------------------

    @abstractmethod
    def outstanding(self) -> int:
        """The number of tasks submitted and not yet finished (waiting or running)."""

    @abstractmethod
    def _get_launch_command(self, block_id: str) -> str:
        """The command that starts this executor's workers in block ``block_id``."""

    @property
    @abstractmethod
    def workers_per_node(self) -> Union[int, float]:
        """How many tasks one node of a block runs at once."""

    # -- state -------------------------------------------------------------------------------

    @property
    def status_polling_interval(self) -> float:
        """Seconds between provider status polls; 0 (never poll) without a provider."""
        return 0 if self.provider is None else self.provider.status_polling_interval

    @property
    def tasks(self) -> Dict[object, Future]:
        return self._tasks

    @property
    def bad_state_is_set(self) -> bool:
        """Whether the executor has failed for good (see ``executor_exception``)."""
        return self._executor_bad_state.is_set()

    @property
    def executor_exception(self) -> Optional[BaseException]:
        """Why the executor is in a bad state."""
        return self._executor_exception

    def block_connected(self, block_id: str) -> None:
        """Record that a worker of block ``block_id`` reached the executor.

        Executors that can tell call this: the block error handler then treats the block's later
        loss as a lost block to replace, not as a sign that the configuration is broken.
        """
        self._connected_blocks.add(str(block_id))

    def connected_blocks(self) -> List[str]:
        """Blocks at least one of whose workers has connected (see ``block_connected``)."""
        return sorted(self._connected_blocks)

    def block_lost(self, block_id: str, reason: str) -> None:
        """Report that every worker of block ``block_id`` stopped answering.

        Its job may still look alive to the scheduler (a hung node, a network partition); on its
        next round the poller cancels it and records it ``FAILED`` with ``reason``, so that the
        strategy replaces it and its workers cannot come back to run tasks again. Safe to call
        from any thread.
        """
        self._lost_blocks[str(block_id)] = reason

    def _end_lost_blocks(self) -> Dict[str, JobStatus]:
        """Cancel the jobs of blocks reported lost; return their new status."""
        changes: Dict[str, JobStatus] = {}
        for block_id in list(self._lost_blocks):
            reason = self._lost_blocks.pop(block_id)
            current = self._status.get(block_id)
            if current is not None and current.terminal:
                if current.state == JobState.FAILED:  # its job ended first (the pool gave up too): say why
                    lost = JobStatus(JobState.FAILED, f"block {block_id} lost: {reason} (then: {current.message})",
                                     current.exit_code, current.stdout_path, current.stderr_path)
                    self._simulated_status[block_id] = self._status[block_id] = lost
                continue
            job_id = self.blocks_to_job_id.get(block_id)
            if job_id is not None and self.provider is not None:
                try:
                    self.provider.cancel([job_id])
                except Exception as e:
                    logger.warning("Executor %s could not cancel lost block %s: %s", self.label, block_id, e)
            logger.warning("Executor %s: block %s lost (%s): cancelled it", self.label, block_id, reason)
            lost = JobStatus(JobState.FAILED, f"block {block_id} lost: {reason}")
            self._simulated_status[block_id] = self._status[block_id] = changes[block_id] = lost
        return changes

    def set_bad_state_and_fail_all(self, exception: BaseException) -> None:
        """Mark the executor as failed for good and fail every task it holds with ``exception``.

        ``submit`` of a subclass must check ``bad_state_is_set`` and refuse new tasks.
        """
        logger.error("Executor %s is in a bad state: %s", self.label, exception)
        self._executor_exception = exception
        self._executor_bad_state.set()
        for fut in list(self._tasks.values()):
            if not fut.done():
                try:
                    fut.set_exception(BadStateException(self, exception))
                except InvalidStateError:  # its result arrived after the done() check
                    pass

    # -- status ------------------------------------------------------------------------------

    def status(self) -> Dict[str, JobStatus]:
        """Ask the provider for the status of every block, overridden by simulated statuses."""
        status: Dict[str, JobStatus] = {}
        if self.provider is not None:
            block_ids, job_ids = self._get_block_and_job_ids()
            if job_ids:
                status = dict(zip(block_ids, self.provider.status(job_ids), strict=True))
        status.update(self._simulated_status)
        return status

    @property
    def status_facade(self) -> Dict[str, JobStatus]:
        """The last known status of every block (refreshed by ``poll_facade``)."""
        return self._status

    def poll_facade(self) -> None:
        """Refresh ``status_facade`` when ``status_polling_interval`` has passed (at once for lost blocks)."""
        if self._lost_blocks:
            self.send_monitoring_info(self._end_lost_blocks())
        now = time.time()
        if now < self._last_poll_time + self.status_polling_interval:
            return
        previous = self._status
        self._status = self.status()
        self._last_poll_time = now
        self.send_monitoring_info({block_id: s for block_id, s in self._status.items()
                                   if block_id not in previous or previous[block_id].state != s.state})

    def handle_errors(self, status: Dict[str, JobStatus]) -> None:
        """Let the block error handler judge the executor after a poll."""
        self._error_handler(self, status)

    # -- scaling -----------------------------------------------------------------------------

    def scale_out_facade(self, n: int) -> List[str]:
        """Launch ``n`` blocks; return the ids of those launched.

        A block whose submission fails is recorded as FAILED with the provider's error, so the
        error handler sees it like any other failed block.
        """
        if self.provider is None:
            raise ScalingFailed(self, "the executor has no provider")
        launched: List[str] = []
        changes: Dict[str, JobStatus] = {}
        for _ in range(n):
            with self._block_id_lock:
                block_id = str(next(self._block_ids))
            try:
                job_id = self._launch_block(block_id)
            except Exception as e:
                logger.error("Executor %s failed to start block %s: %s", self.label, block_id, e)
                failed = JobStatus(JobState.FAILED, f"Failed to start block {block_id}: {e}")
                self._simulated_status[block_id] = failed
                self._status[block_id] = changes[block_id] = failed
                continue
            self.blocks_to_job_id[block_id] = job_id
            self.job_ids_to_block[job_id] = block_id
            self._status[block_id] = changes[block_id] = JobStatus(JobState.PENDING)
            launched.append(block_id)
        self.send_monitoring_info(changes)
        return launched

    def _launch_block(self, block_id: str) -> Any:
        assert self.provider is not None
        job_name = f"parsl.{self.label}.block-{block_id}"
        job_id = self.provider.submit(self._get_launch_command(block_id), 1, job_name)
        if not job_id:
            raise ScalingFailed(self, f"submitting {job_name} did not return a job id")
        logger.info("Executor %s launched block %s as job %s", self.label, block_id, job_id)
        return job_id

    def scale_in(self, blocks: int) -> List[str]:
        """Cancel the first ``blocks`` blocks that are not finished; return the ids cancelled."""
        active = [b for b, s in self._status.items() if s.state not in TERMINAL_STATES and b in self.blocks_to_job_id]
        to_kill = active[:blocks]
        if not to_kill or self.provider is None:
            return []
        job_ids = [self.blocks_to_job_id[b] for b in to_kill]
        killed = self.provider.cancel(job_ids)
        not_killed = [j for j, ok in zip(job_ids, killed) if not ok]
        if not_killed:
            logger.warning("Executor %s could not cancel jobs %s", self.label, not_killed)
        return [b for b, ok in zip(to_kill, killed) if ok]

    def scale_in_facade(self, n: int, max_idletime: Optional[float] = None) -> List[str]:
        """Scale in by ``n`` blocks and mark them SCALED_IN.

        ``max_idletime`` is passed on to executors whose ``scale_in`` accepts it (HTEX), which
        then only cancel blocks idle for that long.
        """
        if max_idletime is None:
            block_ids = self.scale_in(n)
        else:
            block_ids = self.scale_in(n, max_idletime=max_idletime)  # type: ignore[call-arg]
        changes = {}
        for block_id in block_ids or []:
            s = JobStatus(JobState.SCALED_IN)
            self._status[block_id] = self._simulated_status[block_id] = changes[block_id] = s
        self.send_monitoring_info(changes)
        return block_ids

    def _get_block_and_job_ids(self) -> Tuple[List[str], List[Any]]:
        items = list(self.blocks_to_job_id.items())  # blocks may be added by another thread
        return [b for b, _ in items], [j for _, j in items]

    # -- block events ------------------------------------------------------------------------

    def send_monitoring_info(self, status: Dict[str, JobStatus]) -> None:
        """Report block state changes to ``block_state_callback`` (set by the JobStatusPoller)."""
        callback = self.block_state_callback
        if callback is None:
            return
        for block_id, s in status.items():
            try:
                callback(self.label, block_id, self.blocks_to_job_id.get(block_id), s)
            except Exception:
                logger.exception("Block state callback failed for %s block %s", self.label, block_id)

    def create_monitoring_info(self, status: Dict[str, JobStatus]) -> Sequence[Dict[str, Any]]:
        """One block-state record per block, in the fields Parsl's monitoring stores."""
        return [{"run_id": self.run_id, "status": s.status_name, "timestamp": datetime.datetime.now(),
                 "executor_label": self.label, "job_id": self.blocks_to_job_id.get(b), "block_id": b}
                for b, s in status.items()]
