"""Block error handlers: decide, after each status poll, whether an executor is beyond repair.

``BlockProviderExecutor(block_error_handler=True)`` uses ``simple_error_handler``, ``False`` uses
``noop_error_handler``; any callable ``(executor, status) -> None`` may be given instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Mapping, Tuple

from parsl.jobs.errors import TooManyJobFailuresError
from parsl.jobs.states import JobState, JobStatus

if TYPE_CHECKING:
    from parsl.executors.status_handling import BlockProviderExecutor

_FAILED = (JobState.FAILED, JobState.MISSING)


def noop_error_handler(executor: BlockProviderExecutor, status: Dict[str, JobStatus], threshold: int = 3) -> None:
    """Never give up on an executor."""


def simple_error_handler(executor: BlockProviderExecutor, status: Dict[str, JobStatus], threshold: int = 3) -> None:
    """Fail the executor when every block failed and there were at least ``max(1, init_blocks)``."""
    provider = executor.provider
    if provider is not None and hasattr(provider, "init_blocks"):
        threshold = max(1, provider.init_blocks)
    total, failed = _count_jobs(status)
    if total >= threshold and failed == total:
        executor.set_bad_state_and_fail_all(_get_error(status))


def windowed_error_handler(executor: BlockProviderExecutor, status: Dict[str, JobStatus], threshold: int = 3) -> None:
    """Fail the executor when the ``threshold`` most recent blocks all failed."""
    recent = dict(sorted(status.items(), key=lambda kv: int(kv[0]))[-threshold:])
    _, failed = _count_jobs(recent)
    if failed == threshold:
        executor.set_bad_state_and_fail_all(_get_error(status))


def _count_jobs(status: Mapping[str, JobStatus]) -> Tuple[int, int]:
    return len(status), sum(1 for s in status.values() if s.state in _FAILED)


def _get_error(status: Mapping[str, JobStatus]) -> TooManyJobFailuresError:
    """One error describing every failed block, with the tail of its job's stdout and stderr."""
    parts = []
    for n, (block_id, js) in enumerate(status.items(), start=1):
        lines = [f"Error {n} (block {block_id}, {js.status_name}):"]
        if js.message is not None:
            lines.append(f"\t{js.message}")
        if js.exit_code is not None:
            lines.append(f"\tEXIT CODE: {js.exit_code}")
        for name, text in (("STDOUT", js.stdout_summary), ("STDERR", js.stderr_summary)):
            if text:
                lines.append(f"\t{name}: {text.rstrip()}")
        parts.append("\n".join(lines))
    return TooManyJobFailuresError("\n".join(parts) if parts else "No error messages received")
