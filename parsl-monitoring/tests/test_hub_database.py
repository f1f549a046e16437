"""The hub, driven through its hook methods as the DataFlowKernel drives it, writes Parsl's tables."""

from __future__ import annotations

import sqlalchemy as sa
from helpers import States, fake_dfk, record, run_task

from parsl_monitoring.hub import MonitoringHub


def rows(url: str, sql: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_transitions_become_parsl_rows(tmp_path):
    dfk = fake_dfk(str(tmp_path))
    hub = MonitoringHub(workflow_name="wf", workflow_version="1")
    hub.start(dfk)
    hub.parsl_workflow_start(dfk=dfk)
    a, b = record(0), record(1, func_name="add", depends=[0])
    run_task(hub, dfk, a)
    run_task(hub, dfk, b, fail_with=ValueError("bad value"))
    hub.parsl_block_state(dfk=dfk, executor_label="htex", block_id="0", job_id="123", status=States.running)
    hub.parsl_workflow_end(dfk=dfk)
    hub.close()
    url = f"sqlite:///{tmp_path}/monitoring.db"
    assert rows(url, "select workflow_name, workflow_version, tasks_completed_count, tasks_failed_count, "
                     "time_completed is not null from workflow") == [("wf", "1", 1, 1, 1)]
    assert rows(url, "select task_id, task_func_name, task_depends, task_fail_count from task order by task_id") == [
        (0, "double", None, 0), (1, "add", "0", 1)]
    assert rows(url, "select task_id, task_status_name from status order by task_id, timestamp") == [
        (0, "pending"), (0, "launched"), (0, "exec_done"), (1, "pending"), (1, "launched"), (1, "failed")]
    assert rows(url, "select task_id, try_id, task_executor from try order by task_id") == [
        (0, 0, "threads"), (1, 0, "threads")]
    assert rows(url, "select task_id, task_status_name from task_state order by task_id") == [
        (0, "exec_done"), (1, "failed")]
    [(etype, message, tb)] = rows(url, "select exception_type, message, traceback from failure")
    assert (etype, message) == ("ValueError", "bad value") and "raise fail_with" in tb
    assert rows(url, "select executor_label, block_id, job_id, status from block") == [("htex", "0", "123", "running")]
    assert rows(url, "pragma journal_mode") == [("wal",)]


def test_thousands_of_events_are_all_written(tmp_path):
    """Lossless under load: every transition of 5,000 tasks, sent from 4 threads, becomes a row."""
    import threading

    dfk = fake_dfk(str(tmp_path))
    hub = MonitoringHub()
    hub.start(dfk)
    hub.parsl_workflow_start(dfk=dfk)

    def submit(first: int) -> None:
        for i in range(first, 5000, 4):
            run_task(hub, dfk, record(i))

    threads = [threading.Thread(target=submit, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    hub.parsl_workflow_end(dfk=dfk)
    hub.close()
    url = f"sqlite:///{tmp_path}/monitoring.db"
    assert rows(url, "select count(*) from status") == [(15000,)]
    assert rows(url, "select count(*) from task") == [(5000,)]
    assert rows(url, "select tasks_completed_count from workflow") == [(5000,)]
    assert hub._writer is None and hub.error is None
