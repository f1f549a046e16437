"""Block error handlers: a block that dies before its workers start takes its output into the error."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable

import pytest

from parsl.executors.errors import BadStateException
from parsl.jobs.error_handlers import noop_error_handler, simple_error_handler, windowed_error_handler
from parsl.jobs.errors import TooManyJobFailuresError
from parsl.jobs.states import JobState, JobStatus
from parsl.testing.processes import wait_for


def poll_until_terminal(executor: Any) -> None:
    def polled_all_terminal() -> bool:
        executor._last_poll_time = 0
        executor.poll_facade()
        return bool(executor.status_facade) and all(s.terminal for s in executor.status_facade.values())

    wait_for(polled_all_terminal, 30, "every block to end")


def test_dead_blocks_fail_the_executor_with_their_stdout_and_stderr(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=3, max_blocks=3,
                             launch_command="echo worker-could-not-start; echo no-such-interpreter >&2; exit 3")
    task: Future = executor.submit(print, {})
    executor.scale_out_facade(3)
    poll_until_terminal(executor)
    executor.handle_errors(executor.status_facade)
    assert executor.bad_state_is_set
    error = executor.executor_exception
    assert isinstance(error, TooManyJobFailuresError)
    text = str(error)
    assert text.startswith("the last 3 blocks of executor blocks ended without any of their workers connecting")
    assert "EXIT CODE: 3" in text and "worker-could-not-start" in text and "no-such-interpreter" in text
    with pytest.raises(BadStateException, match="no-such-interpreter"):
        task.result(timeout=60)


def test_a_failed_submission_is_a_failed_block_with_the_reason(make_executor: Callable[..., Any],
                                                              tmp_path: Any) -> None:
    executor = make_executor(init_blocks=1)
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    executor.provider.script_dir = str(not_a_dir)
    assert executor.scale_out_facade(1) == []
    (status,) = executor.status_facade.values()
    assert status.state == JobState.FAILED and "Unable to write submit script" in (status.message or "")
    executor.handle_errors(executor.status_facade)
    assert not executor.bad_state_is_set  # one failure may be passing
    assert executor.scale_out_facade(2) == []
    executor.handle_errors(executor.status_facade)
    assert executor.bad_state_is_set
    assert "Unable to write submit script" in str(executor.executor_exception)


def test_blocks_that_connected_and_died_never_fail_the_executor(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=1)
    failed = JobStatus(JobState.FAILED, "killed")
    for b in "012":
        executor.block_connected(b)
    simple_error_handler(executor, {"0": failed, "1": failed, "2": JobStatus(JobState.MISSING)})
    assert not executor.bad_state_is_set


def test_a_live_connected_block_keeps_the_executor_up(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=1)
    failed = JobStatus(JobState.FAILED, "cannot reach the interchange")
    executor.block_connected("0")
    status = {"0": JobStatus(JobState.RUNNING), "1": failed, "2": failed, "3": failed}
    simple_error_handler(executor, status)
    assert not executor.bad_state_is_set
    status["0"] = JobStatus(JobState.FAILED, "node lost")
    simple_error_handler(executor, status)
    assert executor.bad_state_is_set
    text = str(executor.executor_exception)
    assert "block 0" not in text and "block 1" in text and "block 3" in text


def test_a_connected_block_in_the_window_breaks_the_streak(make_executor: Callable[..., Any]) -> None:
    executor = make_executor()
    failed = JobStatus(JobState.MISSING, "never connected")
    executor.block_connected("10")
    simple_error_handler(executor, {"8": failed, "9": failed, "10": JobStatus(JobState.FAILED), "11": failed,
                                    "12": JobStatus(JobState.SCALED_IN)})
    assert not executor.bad_state_is_set


def test_simple_handler_waits_for_three_failures_in_a_row(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=3)
    simple_error_handler(executor, {"0": JobStatus(JobState.FAILED), "1": JobStatus(JobState.MISSING)})
    assert not executor.bad_state_is_set
    simple_error_handler(executor, {"0": JobStatus(JobState.FAILED), "1": JobStatus(JobState.RUNNING),
                                    "2": JobStatus(JobState.FAILED)})
    assert not executor.bad_state_is_set


def test_windowed_handler_looks_at_the_latest_blocks(make_executor: Callable[..., Any]) -> None:
    executor = make_executor()
    failed = JobStatus(JobState.FAILED, "boom")
    windowed_error_handler(executor, {"0": failed, "1": failed, "2": JobStatus(JobState.RUNNING), "10": failed})
    assert not executor.bad_state_is_set
    windowed_error_handler(executor, {"0": JobStatus(JobState.RUNNING), "9": failed, "10": failed, "11": failed})
    assert executor.bad_state_is_set and "boom" in str(executor.executor_exception)


def test_noop_handler_never_gives_up(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(block_error_handler=False)
    assert executor.block_error_handler is noop_error_handler  # as Parsl's executors keep it
    executor.handle_errors({str(i): JobStatus(JobState.FAILED) for i in range(5)})
    assert not executor.bad_state_is_set
    noop_error_handler(executor, {"0": JobStatus(JobState.MISSING)})
    assert not executor.bad_state_is_set


def test_a_custom_handler_is_called_with_the_status(make_executor: Callable[..., Any]) -> None:
    seen = []
    executor = make_executor(block_error_handler=lambda ex, status: seen.append((ex, status)))
    executor.handle_errors({"0": JobStatus(JobState.RUNNING)})
    assert seen == [(executor, {"0": JobStatus(JobState.RUNNING)})]
