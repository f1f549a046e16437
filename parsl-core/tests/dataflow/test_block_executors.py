"""Block executors get a job status poller and a submit-script directory in the run dir."""

from __future__ import annotations

import os
from concurrent.futures import Future
from typing import Any, Callable, Optional, Union

from parsl.executors.status_handling import BlockProviderExecutor
from parsl.plugins.settings import settings
from parsl.providers.base import ExecutionProvider
from parsl.providers.local.local import LocalProvider


@settings
class IdleBlocks(BlockProviderExecutor):
    """A block executor that never has work, so the strategy never starts a block."""

    label: str = "idle-blocks"
    provider: Optional[ExecutionProvider] = None
    block_error_handler: Union[bool, Callable[..., None]] = True

    def outstanding(self) -> int:
        return 0

    def _get_launch_command(self, block_id: str) -> str:
        return "sleep 600"

    @property
    def workers_per_node(self) -> int:
        return 1

    def submit(self, func: Callable[..., Any], resource_specification: dict, *args: Any, **kwargs: Any) -> Future:
        raise NotImplementedError

    def shutdown(self) -> None:
        self.was_shut_down = True


def test_block_executor_gets_a_poller_and_script_dir(make_dfk):
    executor = IdleBlocks(provider=LocalProvider(init_blocks=0, min_blocks=0, max_blocks=1))
    dfk = make_dfk(executors=[executor], strategy="none")
    assert dfk.job_status_poller is not None
    assert executor.provider.script_dir == os.path.join(dfk.run_dir, "submit_scripts")
    assert os.path.isdir(executor.provider.script_dir)
    dfk.cleanup()
    assert executor.was_shut_down


def test_threads_only_needs_no_poller(dfk):
    assert dfk.job_status_poller is None
