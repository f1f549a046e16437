"""The sender's ``transitions`` events (a run of transitions as columns, with the worker reports
queued among them) record the same rows as the transitions one by one, and read back from a
spill file the same as sent."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from helpers import queue_htex_task

from parsl.dataflow.taskrecord import TaskRecord
from parsl_monitoring.db import open_for_writing
from parsl_monitoring.records import RECORD_COLUMNS, expand
from parsl_monitoring.wire import spill
from parsl_monitoring.writer import Writer, load_spill


def noop() -> None:
    return None


def _htex_like_queue(count: int) -> list[Any]:
    """What the hub queues for ``count`` tasks on HTEX: pending, launched, the worker's report,
    then exec_done (the report's running_ended comes before exec_done in time), and a block."""
    queue: list[Any] = []
    for task_id in range(count):
        rec = TaskRecord(None, task_id, noop, (), {}, "htex", False, [], False, datetime.datetime.now())
        rec.depends = ()
        queue_htex_task(queue, rec)
        if task_id == count // 2:
            queue += ["block", {"run_id": "r", "block_id": "0", "executor_label": "htex", "job_id": "1",
                                "timestamp": datetime.datetime.now(), "status": "RUNNING"}, None, None, None]
    return queue


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine(url)
    queries = {
        "status": "select task_id, try_id, task_status_name, timestamp from status order by task_id, timestamp",
        "task": "select task_id, task_func_name, task_time_invoked, task_time_returned from task order by task_id",
        "try": "select task_id, task_executor, task_try_time_launched, task_try_time_running, hostname from try",
        "task_state": "select task_id, task_status_name from task_state order by task_id",
        "block": "select block_id, status from block",
    }
    with engine.connect() as conn:
        rows = {name: [tuple(r) for r in conn.execute(sa.text(q))] for name, q in queries.items()}
    engine.dispose()
    return rows


def _write(path: Path, events: list[tuple[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    url = f"sqlite:///{path}"
    writer = Writer(open_for_writing(url), url, str(path) + ".spill")
    began = datetime.datetime.now()
    writer.write([("workflow_start", {"run_id": "r", "workflow_name": "w", "workflow_version": "1", "time_began": began,
                                      "time_completed": None, "host": "h", "user": "u", "rundir": str(path.parent),
                                      "tasks_failed_count": 0, "tasks_completed_count": 0}), *events])
    writer.engine.dispose()
    assert writer.error is None
    return _rows(url)


def test_transitions_and_the_worker_reports_among_them_keep_their_order(tmp_path: Path) -> None:
    queue = _htex_like_queue(6)
    events = expand("r", queue, set())
    # one run of transitions before the block, one after: the reports stay inside them
    assert [kind for kind, _ in events] == ["transitions", "block", "transitions"]
    first = events[0][1]
    assert first["state"][:3] == ["pending", "launched", "exec_done"]
    assert [at for at, _ in first["workers"]][:2] == [2, 5]  # each before its task's exec_done
    rows = _write(tmp_path / "m.db", events)
    statuses = [r[2] for r in rows["status"] if r[0] == 0]
    assert statuses == ["pending", "launched", "running", "running_ended", "exec_done"]
    assert {r[1] for r in rows["task_state"]} == {"exec_done"} and len(rows["task_state"]) == 6
    assert all(r[1] == "noop" and r[2] is not None and r[3] is not None for r in rows["task"])
    assert all(r[1] == "htex" and r[2] is not None and r[3] is not None and r[4] == "h" for r in rows["try"])
    assert rows["block"] == [("0", "RUNNING")]

    # the same queue sent one transition at a time (the smallest runs) records the same rows
    one_by_one = [event for start in range(0, len(queue), 5) for event in expand("r", queue[start:start + 5], set())]
    assert _write(tmp_path / "single.db", one_by_one) == rows


def test_a_spill_file_of_transitions_reads_back_as_sent(tmp_path: Path) -> None:
    events = expand("r", _htex_like_queue(4), set())
    path = tmp_path / "monitoring-unwritten.jsonl"
    assert spill(str(path), events, "the database is gone") == len(events)
    loaded = load_spill(str(path))
    assert [kind for kind, _ in loaded] == [kind for kind, _ in events]
    sent, read = events[0][1], loaded[0][1]
    assert read["task_id"] == sent["task_id"] and read["time"] == sent["time"]
    assert read["records"] == [list(r) for r in sent["records"]] and read["static"] == sent["static"]
    assert json.loads(json.dumps(sent["workers"])) == read["workers"]  # tuples read back as lists
    assert _write(tmp_path / "spilled.db", loaded) == _write(tmp_path / "sent.db", events)


def test_a_spill_file_of_the_column_format_still_imports(tmp_path: Path) -> None:
    """Spill files written before records travelled as tuples held a column per record field."""
    events = expand("r", _htex_like_queue(4), set())
    old = []
    for kind, event in events:
        if kind == "transitions":
            records = event["records"]
            event = {k: v for k, v in event.items() if k != "records"}
            event.update({name: [r[i] for r in records] for i, name in enumerate(RECORD_COLUMNS)})
        old.append((kind, event))
    path = tmp_path / "monitoring-unwritten.jsonl"
    spill(str(path), old, "the database is gone")
    assert _write(tmp_path / "old.db", load_spill(str(path))) == _write(tmp_path / "sent.db", events)
