"""Helpers for the block-scaling tests."""

from __future__ import annotations

from typing import Any, List

from parsl.executors.status_handling import BlockProviderExecutor
from parsl.jobs.states import JobStatus


def states(executor: BlockProviderExecutor) -> dict[str, str]:
    return {b: s.state.name for b, s in executor.status_facade.items()}


class BlockEvents:
    """Records ``monitor_block_state`` calls like a DataFlowKernel would receive them."""

    def __init__(self) -> None:
        self.events: List[tuple[str, str, Any, JobStatus]] = []

    def monitor_block_state(self, executor_label: str, block_id: str, job_id: Any, status: JobStatus) -> None:
        self.events.append((executor_label, block_id, job_id, status))
