"""The worker-side wrapper: resource samples taken where the task runs, carried back in its result."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import select
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import dill
import pytest
import sqlalchemy as sa

from parsl_monitoring.worker import FINAL_SAMPLE_AFTER, RESULT, MonitoredFunction, report_dict, unwrap


def reported(outcome):
    """(the task's own outcome, its report by field name)."""
    value, report = unwrap(outcome)
    return value, None if report is None else report_dict(report)


def burn_in_child(seconds: float) -> str:
    """Keep a child process busy for ``seconds`` (as a bash app's command would)."""
    busy = f"import time\nt=time.process_time()\nwhile time.process_time()-t<{seconds}: pass"
    subprocess.run([sys.executable, "-c", busy], check=True)
    return "burnt"


def fail() -> None:
    raise KeyError("missing")


@pytest.fixture
def pool():
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as p:
        yield p


def test_samples_cover_children_and_come_back_in_the_result(pool):
    wrapped = dill.loads(dill.dumps(MonitoredFunction(burn_in_child, interval=0.1)))
    outcome = pool.submit(wrapped, 0.6).result()
    assert outcome[0] == RESULT
    value, report = reported(outcome)
    assert value == "burnt"
    samples = report["samples"]
    assert len(samples) >= 3, "periodic samples while the task runs, and one at the end"
    assert any(s["psutil_process_children_count"] >= 1 for s in samples)
    assert max(s["psutil_process_time_user"] + s["psutil_process_time_system"] for s in samples) >= 0.3
    assert report["time_ended"] > report["time_started"]
    assert report["node"]["cpu_count"] >= 1 and report["node"]["total_memory"] > 0
    assert len({tuple(sorted(s)) for s in samples}) == 1, "every sample has the same columns"


def test_interval_zero_reports_where_and_when_but_no_samples(pool):
    """As in Parsl: with interval 0 only the start and end of the try are recorded."""
    _, report = reported(pool.submit(MonitoredFunction(burn_in_child, interval=0), 0.05).result())
    assert report["samples"] == [] and report["hostname"] and report["time_ended"] > report["time_started"]


def test_a_long_interval_still_gives_a_final_sample(pool):
    _, report = reported(pool.submit(MonitoredFunction(burn_in_child, interval=3600), 0.05).result())
    assert len(report["samples"]) == 1


def noop() -> None:
    return None


def test_short_tries_share_one_sample_per_interval_per_worker_process(pool):
    """A sample costs more than a no-op task: a short try gets one only if its worker process took
    none in the last interval; a try that ran FINAL_SAMPLE_AFTER or longer always gets one."""
    wrapped = MonitoredFunction(noop, interval=3600)
    first, second = (reported(pool.submit(wrapped).result())[1] for _ in range(2))
    assert len(first["samples"]) == 1, "the worker process's first try shows the worker"
    assert second["samples"] == [] and second["time_ended"] >= second["time_started"]
    _, long_enough = reported(pool.submit(MonitoredFunction(time.sleep, interval=3600), FINAL_SAMPLE_AFTER).result())
    assert len(long_enough["samples"]) == 1
    _, after = reported(pool.submit(wrapped).result())
    assert after["samples"] == []
    _, short_interval = reported(pool.submit(MonitoredFunction(time.sleep, interval=0.05), 0.06).result())
    assert len(short_interval["samples"]) >= 1, "the interval since the last sample has passed"


def test_a_worker_process_reports_its_node_once_per_run_and_again_after_node_every(pool, monkeypatch):
    """The node is most of a report's size: it comes with a worker process's first report of a
    run, then again every NODE_EVERY seconds (the hub and the writer keep one row)."""
    first, second = (reported(pool.submit(MonitoredFunction(noop, 0, "run-a")).result())[1] for _ in range(2))
    other_run = reported(pool.submit(MonitoredFunction(noop, 0, "run-b")).result())[1]
    assert first["node"]["cpu_count"] >= 1 and second["node"] is None and other_run["node"] is not None
    from parsl_monitoring import worker

    monkeypatch.setattr(worker, "NODE_EVERY", 0.0)
    again = [reported(MonitoredFunction(noop, 0, "run-c")())[1]["node"] for _ in range(2)]
    assert all(node is not None for node in again)


def test_a_forked_worker_process_reports_its_own_node_and_samples_itself():
    """What a process caches about itself (its node, its sampler) is reset in a forked child,
    which reports its own node for a run its parent has already reported."""
    from parsl_monitoring import worker

    parent = reported(MonitoredFunction(noop, 0, "run-fork")())[1]["node"]
    parent_sampler = worker._sampler()
    assert parent["uid"].endswith(f":{os.getpid()}")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it sees through the pipe, then leave without pytest's cleanup
        try:
            node = reported(MonitoredFunction(noop, 0, "run-fork")())[1]["node"]
            fresh = worker._sampler() is not parent_sampler and worker._sampler().process.pid == os.getpid()
            os.write(write, pickle.dumps((os.getpid(), node and node["uid"], fresh)))
        except BaseException:
            os._exit(1)
        os._exit(0)
    os.close(write)
    # a child stuck on a lock its parent held at the fork must fail the test, not hang it
    if not select.select([read], [], [], 120)[0]:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read)
        pytest.fail("the forked child reported nothing within 120 s")
    with os.fdopen(read, "rb") as r:
        sent = r.read()
    assert os.waitpid(pid, 0)[1] == 0, "the child failed to make its report"
    child_pid, child_uid, fresh = pickle.loads(sent)
    assert child_uid == f"{parent['hostname']}:{child_pid}", "the child reports its own node, at once"
    assert fresh, "the child samples itself, not its parent"
    assert reported(MonitoredFunction(noop, 0, "run-fork")())[1]["node"] is None, "the parent's state is kept"


def test_exception_carries_the_report_and_unwrap_removes_it(pool):
    with pytest.raises(KeyError) as info:
        pool.submit(MonitoredFunction(fail, interval=60)).result()
    exc, report = reported(pickle.loads(pickle.dumps(info.value)))
    assert isinstance(exc, KeyError) and not hasattr(exc, "_parsl_monitoring_report")
    assert report is not None and report["samples"]


def test_report_inside_a_remote_exception_wrapper():
    """Executors that run tasks remotely return the exception wrapped; the report is inside it."""
    import dill

    from parsl.app.errors import RemoteExceptionWrapper

    try:
        MonitoredFunction(fail, interval=60)()
    except KeyError as e:
        wrapper = dill.loads(dill.dumps(RemoteExceptionWrapper(type(e), e, e.__traceback__)))
    outcome, report = reported(wrapper)
    # samples or none: this process may have sampled within the interval (see
    # test_short_tries_share_one_sample_per_interval_per_worker_process)
    assert outcome is wrapper and report is not None and report["hostname"] and "samples" in report
    with pytest.raises(KeyError):
        wrapper.reraise()
    assert not hasattr(wrapper.e_value, "_parsl_monitoring_report")


def test_unwrapped_values_pass_through():
    assert unwrap(42) == (42, None)
    assert unwrap(("a", 1, ())) == (("a", 1, ()), None)  # a task's own 3-tuple is not a wrapped result
    e = ValueError("x")
    assert unwrap(e) == (e, None)


def test_hub_records_where_and_how_a_try_ran(known_run):
    engine = sa.create_engine(known_run["url"])
    with engine.connect() as conn:
        hostname, running = conn.execute(sa.text(
            "select hostname, task_try_time_running from try where task_id = 0")).one()
        statuses = [r[0] for r in conn.execute(sa.text(
            "select task_status_name from status where task_id = 0 order by timestamp"))]
        resources = conn.execute(sa.text("select count(*), max(psutil_process_memory_resident) from resource")).one()
        nodes = conn.execute(sa.text("select count(*) from node")).scalar()
    engine.dispose()
    assert hostname and running is not None
    assert statuses == ["pending", "launched", "running", "running_ended", "exec_done"]
    assert resources[0] == 1 and resources[1] > 0
    assert nodes == 1


def test_resource_monitoring_disabled_sends_the_function_unwrapped(tmp_path):
    from helpers import fake_dfk, record

    from parsl_monitoring.hub import MonitoringHub

    hub = MonitoringHub(resource_monitoring_enabled=False)
    hub.start(fake_dfk(str(tmp_path)))
    assert hub.wrap_task(record(0), fail) is fail
    hub.close()


class _Unhashable:
    __hash__ = None  # type: ignore[assignment]

    def __call__(self) -> None:
        return None


def test_one_wrapper_per_function_and_unhashable_callables_still_wrapped(tmp_path):
    """The hub wraps each function once (the core's cache of serialized callables finds it by
    identity); a callable that cannot be a key is wrapped anew each time."""
    from helpers import fake_dfk, record

    from parsl_monitoring.hub import MonitoringHub

    hub = MonitoringHub()
    hub.start(fake_dfk(str(tmp_path)))
    try:
        first = hub.wrap_task(record(0), noop)
        assert isinstance(first, MonitoredFunction) and hub.wrap_task(record(1), noop) is first
        odd = _Unhashable()
        wrapped = hub.wrap_task(record(2), odd)
        assert isinstance(wrapped, MonitoredFunction) and wrapped.func is odd
        assert unwrap(wrapped())[0] is None
    finally:
        hub.close()
