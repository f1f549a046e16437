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
#: Blocks in a row that end without connecting before ``simple_error_handler`` fails the executor:
#: one failure may be a bad node or a full queue; three in a row is a broken configuration.
FAILURES_BEFORE_BAD = 3


def noop_error_handler(executor: BlockProviderExecutor, status: Dict[str, JobStatus], threshold: int = 3) -> None:
    """Never give up on an executor."""


def simple_error_handler(executor: BlockProviderExecutor, status: Dict[str, JobStatus],
                         threshold: int = FAILURES_BEFORE_BAD) -> None:
    """Fail the executor when its ``threshold`` most recently ended blocks all failed before connecting.

    A block whose workers connected (``executor.block_connected``) proved that the configuration
    works: its later loss (killed pool, lost node, walltime) is a block for the strategy to
    replace, not a reason to give up. Blocks scaled in on purpose are not counted, and while a
    connected block is still alive the executor is never failed.
    """
    connected = set(executor.connected_blocks())
    if any(b in connected and not s.terminal for b, s in status.items()):
        return
    ended = [(b, s) for b, s in sorted(status.items(), key=_block_order)
             if s.terminal and s.state != JobState.SCALED_IN]
    recent = ended[-threshold:]
    if len(recent) == threshold and all(s.state in _FAILED and b not in connected for b, s in recent):
        executor.set_bad_state_and_fail_all(_get_error(
            dict(recent), f"the last {threshold} blocks of executor {executor.label} ended without any of "
                          f"their workers connecting"))


def windowed_error_handler(executor: BlockProviderExecutor, status: Dict[str, JobStatus], threshold: int = 3) -> None:
    """Fail the executor when the ``threshold`` most recent blocks all failed."""
    recent = dict(sorted(status.items(), key=_block_order)[-threshold:])
    _, failed = _count_jobs(recent)
    if failed == threshold:
        executor.set_bad_state_and_fail_all(_get_error(status))


def _count_jobs(status: Mapping[str, JobStatus]) -> Tuple[int, int]:
    return len(status), sum(1 for s in status.values() if s.state in _FAILED)


def _block_order(item: Tuple[str, JobStatus]) -> Tuple[int, str]:
    """Blocks in launch order (ids are counters as strings; others sort after, by name)."""
    block_id = item[0]
    return (int(block_id), "") if block_id.isdigit() else (1 << 62, block_id)


def _get_error(status: Mapping[str, JobStatus], why: str = "") -> TooManyJobFailuresError:
    """One error describing every failed block, with the tail of its job's stdout and stderr."""
    parts = [f"{why}:"] if why else []
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
