"""A minimal block executor over the real LocalProvider (blocks are `sleep` process groups), and helpers."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable, List, Optional, Union

from parsl.executors.status_handling import BlockProviderExecutor
from parsl.jobs.states import JobStatus
from parsl.plugins.settings import settings
from parsl.providers.base import ExecutionProvider


@settings
class SleepBlocksExecutor(BlockProviderExecutor):
    """Each block runs ``launch_command``; ``outstanding`` is whatever the test sets ``load`` to."""

    label: str = "sleepy"
    provider: Optional[ExecutionProvider] = None
    block_error_handler: Union[bool, Callable[..., None]] = True
    launch_command: str = "sleep 600"
    slots: int = 1

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self.load = 0

    def outstanding(self) -> int:
        return self.load

    def _get_launch_command(self, block_id: str) -> str:
        return self.launch_command

    @property
    def workers_per_node(self) -> int:
        return self.slots

    def submit(self, func: Callable[..., Any], resource_specification: dict, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        self._tasks[len(self._tasks)] = fut
        return fut

    def shutdown(self) -> None:
        pass


def states(executor: BlockProviderExecutor) -> dict[str, str]:
    return {b: s.state.name for b, s in executor.status_facade.items()}


class BlockEvents:
    """Records ``monitor_block_state`` calls like a DataFlowKernel would receive them."""

    def __init__(self) -> None:
        self.events: List[tuple[str, str, Any, JobStatus]] = []

    def monitor_block_state(self, executor_label: str, block_id: str, job_id: Any, status: JobStatus) -> None:
        self.events.append((executor_label, block_id, job_id, status))


