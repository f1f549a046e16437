"""Retries, retry handlers and the failure history kept per task."""

from __future__ import annotations

import pytest

from parsl import python_app
from parsl.dataflow.errors import DependencyError
from parsl.dataflow.states import States
from parsl.plugins import hookimpl
from parsl.plugins.monitor import Monitor


def flaky_app(failures):
    calls = []

    @python_app
    def flaky():
        calls.append(1)
        if len(calls) <= failures:
            raise OSError(f"try {len(calls)} failed")
        return len(calls)

    return flaky, calls


def test_retries_until_success(make_dfk):
    dfk = make_dfk(retries=2, garbage_collect=False)
    flaky, _ = flaky_app(2)
    fut = flaky()
    assert fut.result() == 3
    record = dfk.tasks[fut.tid]
    assert record["fail_count"] == 2 and record["try_id"] == 2
    assert record["fail_history"] == ["OSError('try 1 failed')", "OSError('try 2 failed')"]
    assert record["status"] is States.exec_done


def test_retries_exhausted_fails_with_the_last_exception(make_dfk):
    dfk = make_dfk(retries=1, garbage_collect=False)
    flaky, calls = flaky_app(5)
    fut = flaky()
    with pytest.raises(OSError, match="try 2 failed"):
        fut.result()
    assert len(calls) == 2
    assert dfk.tasks[fut.tid]["status"] is States.failed


def test_no_retries_by_default(dfk):
    flaky, calls = flaky_app(1)
    with pytest.raises(OSError):
        flaky().result()
    assert len(calls) == 1


def test_retry_handler_cost(make_dfk):
    seen = []

    def handler(exception, task_record):
        seen.append((type(exception).__name__, task_record["id"], task_record["try_id"]))
        return 2

    make_dfk(retries=3, retry_handler=handler)
    flaky, calls = flaky_app(10)
    with pytest.raises(OSError):
        flaky().result()
    assert len(calls) == 2  # costs 2 then 4 > 3
    assert seen == [("OSError", 0, 0), ("OSError", 0, 1)]


def test_retry_handler_can_make_an_error_final(make_dfk):
    make_dfk(retries=5, retry_handler=lambda e, t: 0 if isinstance(e, OSError) else 100)

    @python_app
    def fatal():
        raise KeyError("no point retrying")

    calls_fatal = []

    @python_app
    def counted():
        calls_fatal.append(1)
        raise KeyError("x")

    with pytest.raises(KeyError):
        counted().result()
    assert len(calls_fatal) == 1
    with pytest.raises(KeyError):
        fatal().result()


def test_a_raising_retry_handler_fails_the_task_with_its_exception(make_dfk):
    def handler(exception, task_record):
        raise ZeroDivisionError("handler broke")

    make_dfk(retries=5, retry_handler=handler)
    flaky, calls = flaky_app(10)
    with pytest.raises(ZeroDivisionError, match="handler broke"):
        flaky().result()
    assert len(calls) == 1


def test_dependency_errors_are_not_retried(make_dfk):
    dfk = make_dfk(retries=3, garbage_collect=False)
    flaky, _ = flaky_app(100)
    fut = python_app(lambda x: x)(flaky())
    with pytest.raises(DependencyError):
        fut.result()
    assert dfk.tasks[fut.tid]["fail_count"] == 1
    assert dfk.tasks[fut.tid]["status"] is States.dep_fail


class StateRecorder(Monitor):
    def __init__(self):
        self.states = []

    @hookimpl
    def parsl_task_state(self, dfk, task_record, state):
        self.states.append((task_record["id"], task_record["try_id"], state))


def test_retry_state_transitions(make_dfk):
    recorder = StateRecorder()
    make_dfk(retries=1, monitoring=recorder)
    flaky, _ = flaky_app(1)
    flaky().result()
    assert [(t, s) for _, t, s in recorder.states] == [
        (0, States.pending), (0, States.launched), (0, States.fail_retryable),
        (1, States.pending), (1, States.launched), (1, States.exec_done)]
