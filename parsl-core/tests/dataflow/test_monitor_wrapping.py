"""Worker-side monitoring: ``Monitor.wrap_task`` around each executed try, ``unwrap_result`` after it."""

from __future__ import annotations

import pytest

from parsl import python_app
from parsl.executors.threads import ThreadPoolExecutor
from parsl.plugins.monitor import Monitor


class ResourceThreads(ThreadPoolExecutor):
    """A thread pool that, like a remote executor, asks for per-task resource monitoring."""

    def monitor_resources(self):
        return True


class Reported(Exception):
    """A wrapped try's failure, carrying the worker's report and the task's own exception."""

    def __init__(self, report, inner):
        super().__init__(report, inner)
        self.report = report
        self.inner = inner


class Wrapping(Monitor):
    """Wraps each try so that it returns (report, result), and takes the report out again."""

    def __init__(self):
        self.wrapped = []
        self.reports = []
        self.plain = []

    def wrap_task(self, task_record, func):
        self.wrapped.append((task_record["id"], task_record["try_id"]))
        self.plain.append(func)
        tid, try_id = task_record["id"], task_record["try_id"]

        def monitored(*args, **kwargs):
            try:
                return ("report", tid, try_id), func(*args, **kwargs)
            except Exception as e:
                raise Reported(("report", tid, try_id), e) from None

        return monitored

    def unwrap_result(self, task_record, outcome):
        if isinstance(outcome, Reported):
            self.reports.append(outcome.report)
            return outcome.inner
        if isinstance(outcome, tuple) and outcome and outcome[0][:1] == ("report",):
            self.reports.append(outcome[0])
            return outcome[1]
        return outcome


class Broken(Monitor):
    def wrap_task(self, task_record, func):
        raise RuntimeError("wrap bug")

    def unwrap_result(self, task_record, outcome):
        raise RuntimeError("unwrap bug")


@python_app
def double(x):
    return 2 * x


@python_app
def flaky(box):
    box.append(1)
    if len(box) < 2:
        raise ValueError(f"try {len(box)} fails")
    return len(box)


def test_tries_run_wrapped_and_results_come_back_unwrapped(make_dfk):
    monitor = Wrapping()
    dfk = make_dfk(executors=[ResourceThreads()], monitoring=monitor, garbage_collect=False)
    futures = [double(i) for i in range(5)]
    assert [f.result() for f in futures] == [0, 2, 4, 6, 8]
    assert sorted(monitor.wrapped) == [(i, 0) for i in range(5)]
    assert sorted(monitor.reports) == [("report", i, 0) for i in range(5)]
    assert dfk.tasks[0]["func"] in monitor.plain  # the record keeps the plain function
    assert dfk.tasks[3]["exec_fu"].result() == 6  # and the try's own outcome, as without monitoring


def test_a_failed_try_is_unwrapped_before_retry_and_failure_handling(make_dfk):
    monitor = Wrapping()
    seen = []

    def handler(e, task_record):
        seen.append(type(e).__name__)
        return 1

    make_dfk(executors=[ResourceThreads()], monitoring=monitor, retries=2, retry_handler=handler)
    assert flaky([]).result() == 2
    assert seen == ["ValueError"]  # the retry handler saw the task's own exception
    assert monitor.wrapped == [(0, 0), (0, 1)]  # each try wrapped afresh
    assert monitor.reports == [("report", 0, 0), ("report", 0, 1)]

    @python_app
    def always_fails():
        raise KeyError("the app's own error")

    with pytest.raises(KeyError, match="the app's own error"):
        always_fails().result()


class Counting(Wrapping):
    def __init__(self):
        super().__init__()
        self.unwrapped = 0

    def unwrap_result(self, task_record, outcome):
        self.unwrapped += 1
        return super().unwrap_result(task_record, outcome)


def test_executors_that_do_not_monitor_resources_run_the_plain_function_and_nothing_is_unwrapped(make_dfk):
    monitor = Counting()
    make_dfk(monitoring=monitor)  # ThreadPoolExecutor: monitor_resources() is False
    assert double(4).result() == 8
    assert monitor.wrapped == [] and monitor.reports == [] and monitor.unwrapped == 0


def test_memoized_tries_are_not_unwrapped(make_dfk):
    monitor = Counting()
    make_dfk(executors=[ResourceThreads()], monitoring=monitor)

    @python_app(cache=True)
    def cached(x):
        return ("cached", x)

    assert cached(1).result() == ("cached", 1)
    assert cached(1).result() == ("cached", 1)  # from the memo table
    assert monitor.unwrapped == 1 and len(monitor.wrapped) == 1


def test_a_broken_monitor_never_takes_the_workflow_down(make_dfk, caplog):
    make_dfk(executors=[ResourceThreads()], monitoring=Broken())
    assert double(21).result() == 42
    with pytest.raises(ValueError, match="try 1 fails"):
        flaky([]).result()
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "wrap_task failed" in messages and "unwrap_result failed" in messages


def test_the_base_monitor_wraps_nothing():
    monitor = Monitor()

    def f():
        return 1

    assert monitor.wrap_task({}, f) is f
    error = ValueError("x")
    assert monitor.unwrap_result({}, error) is error
