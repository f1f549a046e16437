"""Fixtures for the block-scaling tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest

from parsl.launchers.launchers import SimpleLauncher
from parsl.providers.local.local import LocalProvider
from parsl.testing.blocks import CommandBlockExecutor


@pytest.fixture
def make_executor(tmp_path: Path) -> Iterator[Callable[..., CommandBlockExecutor]]:
    made: List[CommandBlockExecutor] = []

    def make(**provider_kwargs: Any) -> CommandBlockExecutor:
        executor_keys = ("launch_command", "slots", "block_error_handler", "label")
        executor_kwargs = {k: provider_kwargs.pop(k) for k in executor_keys if k in provider_kwargs}
        provider = LocalProvider(launcher=SimpleLauncher(), **provider_kwargs)
        provider.script_dir = str(tmp_path / f"scripts{len(made)}")
        executor = CommandBlockExecutor(provider=provider, **executor_kwargs)
        made.append(executor)
        return executor

    yield make
    for executor in made:  # whatever a test left running
        if executor.provider is None:
            continue
        live = [b for b, s in executor.status().items() if not s.terminal]
        executor.provider.cancel([executor.blocks_to_job_id[b] for b in live if b in executor.blocks_to_job_id])

