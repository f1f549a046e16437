"""``CommandBlockExecutor``: a block executor whose blocks run a fixed command and whose load is set by hand.

It lets provider and scaling tests drive ``JobStatusPoller`` and ``Strategy`` against a real
provider without a worker pool: set ``load`` to the number of outstanding tasks the strategy
should see.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable, Optional, Union

from parsl.executors.status_handling import BlockProviderExecutor
from parsl.plugins.settings import settings
from parsl.providers.base import ExecutionProvider


@settings
class CommandBlockExecutor(BlockProviderExecutor):
    """Each block runs ``launch_command``; ``outstanding()`` returns ``load``."""

    label: str = "blocks"
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
        """Hold the task forever: only ``set_bad_state_and_fail_all`` completes it."""
        fut: Future = Future()
        self._tasks[len(self._tasks)] = fut
        return fut

    def shutdown(self) -> None:
        """Nothing to stop: blocks belong to the provider and are cancelled by the poller."""
