"""parsl.load / dfk / clear / wait_for_current_tasks, exit modes, run directories, cleanup."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.dataflow.dflow import DataFlowKernel, DataFlowKernelLoader
from parsl.dataflow.errors import DataFlowException
from parsl.dataflow.states import States
from parsl.errors import ConfigurationError, NoDataFlowKernelError
from parsl.executors.threads import ThreadPoolExecutor


@python_app
def double(x):
    return 2 * x


@python_app
def wait_for(event):
    event.wait(10)
    return "released"


def test_load_makes_the_current_dfk(make_dfk):
    dfk = make_dfk()
    assert isinstance(dfk, DataFlowKernel)
    assert parsl.dfk() is dfk
    assert double(21).result() == 42


def test_each_started_executor_is_logged_with_label_and_parsl_type(make_dfk, caplog):
    dfk = make_dfk()
    dfk.add_executors([ThreadPoolExecutor(label="more")])
    started = {(r.__dict__["parsl.executor.label"], r.__dict__["parsl.executor.type"])
               for r in caplog.records if "parsl.executor.label" in r.__dict__}
    assert ("more", "parsl.executors.threads.ThreadPoolExecutor") in started


def test_second_load_without_clear_is_a_configuration_error(make_dfk):
    make_dfk()
    with pytest.raises(ConfigurationError, match="already been loaded"):
        parsl.load(Config())


def test_dfk_without_load_says_to_load_first():
    with pytest.raises(NoDataFlowKernelError, match="Must first load config"):
        parsl.dfk()
    with pytest.raises(NoDataFlowKernelError):
        double(1)


def test_clear_allows_a_new_load(make_dfk):
    first = make_dfk()
    parsl.clear()
    second = make_dfk()
    assert parsl.dfk() is second and second is not first


def test_load_from_a_toml_file(tmp_path):
    path = tmp_path / "workflow.toml"
    path.write_text(f'run_dir = "{tmp_path / "runs"}"\n\n[[executors]]\ntype = "threads"\nlabel = "fromfile"\n'
                    f'max_threads = 3\n')
    dfk = parsl.load(str(path))
    try:
        assert list(dfk.executors) == ["fromfile", "_parsl_internal"]
        assert dfk.executors["fromfile"].max_threads == 3
        assert double(4).result() == 8
    finally:
        dfk.cleanup()
    assert dfk.run_dir == str(tmp_path / "runs" / "000")


def test_run_dirs_are_numbered_and_hold_the_log(make_dfk, tmp_path):
    first = make_dfk()
    first.cleanup()
    second = make_dfk()
    assert first.run_dir == str(tmp_path / "runinfo" / "000")
    assert second.run_dir == str(tmp_path / "runinfo" / "001")
    assert os.path.exists(os.path.join(first.run_dir, "parsl.log"))


def test_initialize_logging_false_writes_no_log(make_dfk):
    dfk = make_dfk(initialize_logging=False)
    assert not os.path.exists(os.path.join(dfk.run_dir, "parsl.log"))


def test_exit_mode_cleanup_cleans_up_and_clears(tmp_path):
    with parsl.load(Config(run_dir=str(tmp_path))) as dfk:
        double(1).result()
    assert dfk.cleanup_called
    with pytest.raises(NoDataFlowKernelError):
        parsl.dfk()


def test_exit_mode_skip_leaves_the_dfk_running(tmp_path):
    with parsl.load(Config(run_dir=str(tmp_path), exit_mode="skip")) as dfk:
        pass
    try:
        assert not dfk.cleanup_called
        assert double(2).result() == 4
    finally:
        dfk.cleanup()


def test_exit_mode_wait_waits_for_tasks(tmp_path):
    event = threading.Event()
    with parsl.load(Config(run_dir=str(tmp_path), exit_mode="wait")) as dfk:
        fut = wait_for(event)
        threading.Timer(0.2, event.set).start()
    assert fut.done() and fut.result() == "released"
    assert dfk.cleanup_called


def test_exit_mode_wait_with_exception_cleans_up_without_waiting(tmp_path):
    event = threading.Event()
    with pytest.raises(RuntimeError, match="inside"):
        with parsl.load(Config(run_dir=str(tmp_path), exit_mode="wait",
                               executors=[ThreadPoolExecutor(max_threads=1)])) as dfk:
            fut = wait_for(event)
            event.set()
            raise RuntimeError("inside")
    assert dfk.cleanup_called
    assert fut.result() == "released"


def test_cleanup_twice_is_an_error(dfk):
    dfk.cleanup()
    with pytest.raises(DataFlowException, match="already been cleaned-up"):
        dfk.cleanup()


def test_submit_after_cleanup_is_a_clear_error(dfk):
    dfk.cleanup()
    app = python_app(lambda: 1, data_flow_kernel=dfk)
    with pytest.raises(NoDataFlowKernelError, match="cleaned up"):
        app()


def test_wait_for_current_tasks(dfk):
    event = threading.Event()
    futures = [wait_for(event) for _ in range(3)]
    threading.Timer(0.1, event.set).start()
    parsl.wait_for_current_tasks()
    assert all(f.done() for f in futures)


def test_garbage_collect_forgets_finished_tasks(dfk):
    double(1).result()
    parsl.wait_for_current_tasks()
    assert dfk.tasks == {}


_HELD_OBJECTS = """
import gc, sys, threading
import parsl
from parsl.config import Config
from parsl.executors.threads import ThreadPoolExecutor

def double(x):
    return 2 * x

app = parsl.python_app(double)
with parsl.load(Config(executors=[ThreadPoolExecutor(max_threads=2)], run_dir=sys.argv[1])):
    n = 3000
    gc.collect()
    before = len(gc.get_objects())
    futures = [app(i) for i in range(n)]
    # Wait without waiting on each future: a future waited on while pending keeps the condition
    # it then needs, and how many were still pending would decide the count.
    left, lock, all_done = [n], threading.Lock(), threading.Event()
    def finished(_):
        with lock:  # callbacks run on the executor's threads
            left[0] -= 1
            if left[0] == 0:
                all_done.set()
    for f in futures:
        f.add_done_callback(finished)
    assert all_done.wait(300)
    results = [f.result() for f in futures]
    parsl.wait_for_current_tasks()
    gc.collect()
    record = futures[0].task_record
    assert results == [2 * i for i in range(n)] and record["app_fu"] is futures[0] and record["exec_fu"].result() == 0
    print((len(gc.get_objects()) - before - 2) / n)
"""


def test_a_finished_task_leaves_four_objects_for_the_cycle_collector(tmp_path):
    """A workflow that holds its futures keeps each one's record: every full collection of the
    cyclic garbage collector scans what those hold, so their number sets how a million-task
    workflow's cost per task grows. Per task: the AppFuture, its record, the executor's future
    and the record's weak reference back to the AppFuture (no instance dicts). In a fresh
    interpreter, so that no log handler (pytest's) turns per-task log records on."""
    out = subprocess.run([sys.executable, "-c", _HELD_OBJECTS, str(tmp_path / "runinfo")], check=True,
                         capture_output=True, text=True, timeout=300).stdout
    assert float(out.strip().splitlines()[-1]) < 4.05


def test_garbage_collect_off_keeps_records_with_parsl_keys(make_dfk):
    dfk = make_dfk(garbage_collect=False)
    fut = double(5)
    assert fut.result() == 10
    record = dfk.tasks[fut.tid]
    for key in ("id", "func_name", "status", "depends", "app_fu", "exec_fu", "executor", "fail_count",
                "fail_cost", "fail_history", "hashsum", "func", "args", "kwargs", "time_invoked",
                "time_returned", "try_time_launched", "try_time_returned", "memoize", "ignore_for_cache",
                "from_memo", "try_id", "resource_specification", "join", "joins", "task_launch_lock", "dfk"):
        assert key in record, key
    assert record["status"] is States.exec_done
    assert record["func_name"] == "double"
    assert record["app_fu"] is fut
    assert record["args"] == (5,)
    assert record["time_returned"] >= record["time_invoked"]
    assert record.get("joins") is None


def test_dfk_needs_a_config():
    with pytest.raises(TypeError, match="Config"):
        DataFlowKernel({"executors": []})  # type: ignore[arg-type]


def test_task_state_counts(dfk):
    for f in [double(i) for i in range(5)]:
        f.result()
    parsl.wait_for_current_tasks()
    assert dfk.task_state_counts[States.exec_done] == 5
    assert dfk.task_state_counts[States.pending] == 0


def test_cleanup_logs_the_task_summary_in_parsl_s_words(make_dfk, caplog):
    dfk = make_dfk()
    double(1).result()
    dfk.cleanup()
    assert "Summary of tasks in DFK:\n  Tasks in state States.exec_done: 1" in caplog.text
    assert "States.failed" not in caplog.text  # states without tasks are left out


def test_loader_classmethods_are_the_top_level_functions():
    assert parsl.load == DataFlowKernelLoader.load
    assert parsl.clear == DataFlowKernelLoader.clear
    assert parsl.dfk == DataFlowKernelLoader.dfk
    assert parsl.wait_for_current_tasks == DataFlowKernelLoader.wait_for_current_tasks


def test_apps_called_from_many_threads_get_distinct_ids(dfk):
    results = []

    def submit_many():
        results.extend(double(i) for i in range(300))

    threads = [threading.Thread(target=submit_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({f.tid for f in results}) == 1200
    assert sum(f.result() for f in results) == 4 * sum(2 * i for i in range(300))


class FailsToStart(ThreadPoolExecutor):
    def start(self):
        raise OSError("cannot start")


def test_a_failed_start_releases_what_was_started(tmp_path):
    import logging

    handlers = list(logging.getLogger("parsl").handlers)
    good = ThreadPoolExecutor(label="good")
    with pytest.raises(OSError, match="cannot start"):
        parsl.load(Config(run_dir=str(tmp_path), executors=[good, FailsToStart(label="bad")]))
    assert logging.getLogger("parsl").handlers == handlers  # the run's log file is detached
    with pytest.raises(RuntimeError, match="shut down"):
        good.submit(print, {})  # the executor that did start was shut down
    with pytest.raises(NoDataFlowKernelError):
        parsl.dfk()


def test_load_without_a_config_uses_the_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dfk = parsl.load()
    try:
        assert list(dfk.executors) == ["threads", "_parsl_internal"]
        assert dfk.run_dir == str(tmp_path / "runinfo" / "000")
        assert double(3).result() == 6
    finally:
        dfk.cleanup()


def test_internal_tasks_max_threads(make_dfk):
    dfk = make_dfk(internal_tasks_max_threads=3)
    assert dfk.executors["_parsl_internal"].max_threads == 3


def test_launch_if_ready_never_launches_a_try_twice(make_dfk):
    dfk = make_dfk(garbage_collect=False)
    calls = []
    gate = threading.Event()

    @python_app
    def counted(x):
        calls.append(x)
        return x

    fut = counted(wait_for(gate))
    gate.set()
    assert fut.result() == "released"
    for _ in range(3):
        dfk.launch_if_ready(dfk.tasks[fut.tid])
    assert calls == ["released"]


def test_wait_for_current_tasks_when_the_program_dropped_its_futures(dfk):
    event = threading.Event()
    kept = wait_for(event)
    for i in range(300):
        double(i)  # futures dropped at once: finished records hold them only weakly
    threading.Timer(0.05, event.set).start()
    dfk.wait_for_current_tasks()
    assert kept.done()
