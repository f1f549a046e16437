"""Monitor hooks: called on every transition when implemented, never able to break a workflow."""

from __future__ import annotations

import contextlib

import pytest

from parsl import python_app
from parsl.dataflow.states import States
from parsl.jobs.states import JobState, JobStatus
from parsl.plugins import hookimpl
from parsl.plugins.manager import get_plugin_manager
from parsl.plugins.monitor import Monitor


class Recorder(Monitor):
    def __init__(self):
        self.events = []
        self.dfk = None

    def start(self, dfk):
        self.dfk = dfk
        self.events.append("start")

    def close(self):
        self.events.append("close")

    @hookimpl
    def parsl_workflow_start(self, dfk):
        self.events.append(("workflow_start", dfk.run_id))

    @hookimpl
    def parsl_workflow_end(self, dfk):
        self.events.append("workflow_end")

    @hookimpl
    def parsl_task_state(self, dfk, task_record, state):
        self.events.append((task_record["id"], task_record["func_name"], state))

    @hookimpl
    def parsl_block_state(self, dfk, executor_label, block_id, job_id, status):
        self.events.append(("block", executor_label, block_id, job_id, status.state))


class Broken(Monitor):
    @hookimpl
    def parsl_task_state(self, dfk, task_record, state):
        raise RuntimeError("monitor bug")

    @hookimpl
    def parsl_workflow_end(self, dfk):
        raise RuntimeError("monitor bug at the end")


@python_app
def work(x):
    return x


@python_app
def fails():
    raise ValueError("x")


def test_every_transition_reaches_the_monitor(make_dfk):
    recorder = Recorder()
    dfk = make_dfk(monitoring=recorder)
    assert recorder.dfk is dfk
    assert recorder.events[:2] == ["start", ("workflow_start", dfk.run_id)]
    work(1).result()
    with pytest.raises(ValueError):
        fails().result()
    dfk.cleanup()
    task_events = [e for e in recorder.events if isinstance(e, tuple) and isinstance(e[0], int)]
    assert task_events == [
        (0, "work", States.pending), (0, "work", States.launched), (0, "work", States.exec_done),
        (1, "fails", States.pending), (1, "fails", States.launched), (1, "fails", States.failed)]
    assert recorder.events[-2:] == ["workflow_end", "close"]


def test_the_monitor_is_unregistered_after_cleanup(make_dfk):
    recorder = Recorder()
    dfk = make_dfk(monitoring=recorder)
    dfk.cleanup()
    assert not get_plugin_manager().pm.is_registered(recorder)


def test_block_states_reach_the_monitor(make_dfk):
    recorder = Recorder()
    dfk = make_dfk(monitoring=recorder)
    dfk.monitor_block_state("htex", "0", "job-17", JobStatus(JobState.RUNNING))
    assert ("block", "htex", "0", "job-17", JobState.RUNNING) in recorder.events


def test_a_raising_monitor_never_breaks_the_workflow(make_dfk, caplog):
    dfk = make_dfk(monitoring=Broken())
    assert work(5).result() == 5
    dfk.cleanup()
    assert "monitor bug" in caplog.text


def test_without_task_state_hooks_transitions_skip_the_hook(make_dfk):
    dfk = make_dfk()
    manager = get_plugin_manager()
    assert dfk._task_hooks == bool(manager.hook.parsl_task_state.get_hookimpls())


@contextlib.contextmanager
def registered_later(dfk, plugin):
    """``plugin`` registered with the plugin manager after ``dfk`` loaded, then unregistered."""
    manager = get_plugin_manager()
    manager.pm.register(plugin)
    try:
        dfk.refresh_monitor_hooks()
        yield
    finally:
        manager.pm.unregister(plugin)
        dfk.refresh_monitor_hooks()


def test_a_monitor_registered_later_is_seen_after_refresh(make_dfk):
    dfk = make_dfk()
    recorder = Recorder()
    with registered_later(dfk, recorder):
        work(1).result()
        assert (0, "work", States.exec_done) in recorder.events



class StatesOnly:
    """A plugin whose ``parsl_task_state`` takes some of the hook's arguments, in its own order."""

    def __init__(self):
        self.seen = []

    @hookimpl
    def parsl_task_state(self, state, task_record):
        self.seen.append((task_record.id, state))


def test_a_hook_taking_some_arguments_in_its_own_order_gets_them(make_dfk):
    dfk = make_dfk()
    plugin = StatesOnly()
    with registered_later(dfk, plugin):
        work(1).result()
        assert plugin.seen == [(0, States.pending), (0, States.launched), (0, States.exec_done)]

def test_task_transitions_can_be_logged(make_dfk, caplog):
    import logging

    task_logger = logging.getLogger("parsl.dataflow.tasks")
    old = task_logger.level
    task_logger.setLevel(logging.DEBUG)
    try:
        make_dfk()
        with caplog.at_level(logging.DEBUG, logger="parsl.dataflow.tasks"):
            first = work(1)
            work(first).result()
    finally:
        task_logger.setLevel(old)
    assert "Task 0 (work) try 0: pending" in caplog.text
    assert "Task 0 (work) try 0: exec_done" in caplog.text
    pairs = [(r.__dict__["parsl.task"], r.__dict__["parsl.dependency_task"])
             for r in caplog.records if hasattr(r, "parsl.dependency_task")]
    assert pairs == [(1, 0)]
    assert any(r.__dict__.get("parsl.app_name") == "work" for r in caplog.records)
