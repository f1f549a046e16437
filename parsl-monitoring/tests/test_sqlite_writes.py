"""How the writer stores rows in SQLite: many rows to a statement with ``None`` as a literal NULL,
status/try/task_state tables without a rowid in new databases (older databases still written the
same), and times as exactly the text SQLAlchemy stores for them."""

from __future__ import annotations

import datetime
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from helpers import queue_htex_task
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from parsl.dataflow.states import States
from parsl.dataflow.taskrecord import TaskRecord
from parsl_monitoring import schema
from parsl_monitoring.db import open_for_writing
from parsl_monitoring.records import expand
from parsl_monitoring.times import micros, sqlite_text
from parsl_monitoring.writer import SQLITE_PARAMETERS, Writer, executemany

RUN = "4dfd50ac-e833-44df-be13-44797c4e9de4"


def noop() -> None:
    return None


def _events(count: int) -> list[tuple[str, Any]]:
    """A workflow of ``count`` tasks as HTEX's hub sends it: some memoized with inputs, some failed,
    so that one batch holds rows with different values left empty."""
    queue: list[Any] = []
    for task_id in range(count):
        kwargs = {"inputs": [f"in{task_id}"], "stdout": "out.txt"} if task_id % 3 else {}
        rec = TaskRecord(None, task_id, noop, (), kwargs, "htex", task_id % 3 == 1, [], False, datetime.datetime.now())
        rec.depends = ()
        rec.hashsum = f"hash{task_id}" if task_id % 3 == 1 else None
        queue_htex_task(queue, rec, States.failed if task_id % 7 == 3 else States.exec_done)
    began = datetime.datetime.now()
    return [("workflow_start", {"run_id": RUN, "workflow_name": "w", "workflow_version": "1", "time_began": began,
                                "time_completed": None, "host": "h", "user": "u", "rundir": "/tmp",
                                "tasks_failed_count": 0, "tasks_completed_count": 0}), *expand(RUN, queue, set())]


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of Parsl's tables and ours, as stored (times as their text), in primary key order."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        dump = {}
        for table in schema.metadata.sorted_tables:
            order = ", ".join(c.name for c in table.primary_key.columns)
            rows = conn.exec_driver_sql(f'select * from "{table.name}" order by {order}')
            dump[table.name] = [tuple(r) for r in rows]
    engine.dispose()
    return dump


def _write(url: str, events: list[tuple[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    writer = Writer(open_for_writing(url), url, url[len("sqlite:///"):] + ".spill")
    half = len(events) // 2
    writer.write(events[:half])  # two transactions: the second updates rows of the first
    writer.write(events[half:])
    writer.engine.dispose()
    assert writer.error is None and writer.spilled == 0
    return _dump(url)


def _version_1_database(path: Path) -> str:
    """A database as parsl-monitoring's schema version 1 made it: every table with a rowid."""
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    dialect = sqlite.dialect()
    with engine.begin() as conn:
        for table in schema.metadata.sorted_tables:
            conn.exec_driver_sql(str(CreateTable(table).compile(dialect=dialect)).replace("WITHOUT ROWID", ""))
            for index in table.indexes:
                conn.exec_driver_sql(str(CreateIndex(index).compile(dialect=dialect)))
        conn.execute(schema.meta.insert(), [{"key": "schema_version", "value": "1"}])
    engine.dispose()
    return url


def _table_sql(url: str) -> dict[str, str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        sql = dict(conn.exec_driver_sql("select name, sql from sqlite_master where type = 'table'").all())
    engine.dispose()
    return sql


def test_a_new_database_keeps_status_try_and_state_rows_in_their_primary_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    _write(url, _events(3))
    sql = _table_sql(url)
    assert {name for name, text in sql.items() if "WITHOUT ROWID" in text} == {"status", "try", "task_state"}
    # Parsl's columns and primary keys, in Parsl's order, whatever the storage
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    for name in schema.PARSL_TABLES:
        table = schema.metadata.tables[name]
        assert [c["name"] for c in inspector.get_columns(name)] == [c.name for c in table.columns]
        assert inspector.get_pk_constraint(name)["constrained_columns"] == [c.name for c in table.primary_key.columns]
    engine.dispose()


def test_a_version_1_database_with_rowid_tables_is_written_as_a_new_one(tmp_path: Path) -> None:
    events = _events(250)
    old_url = _version_1_database(tmp_path / "old.db")
    assert not any("WITHOUT ROWID" in text for text in _table_sql(old_url).values())
    old = _write(old_url, events)
    new = _write(f"sqlite:///{tmp_path / 'new.db'}", events)
    assert old == new
    assert len(new["status"]) == 250 * 5 and len(new["task"]) == 250
    assert {r[5] for r in new["task"]} == {None, *(f"hash{i}" for i in range(1, 250, 3))}  # task_hashsum
    assert new["workflow"][0][8:] == (36, 214)  # tasks_failed_count, tasks_completed_count
    assert not any("WITHOUT ROWID" in text for text in _table_sql(old_url).values())  # left as it was


def test_rows_many_to_a_statement_are_the_rows_sqlalchemy_inserts(tmp_path: Path) -> None:
    """More rows than fit in one statement, with values left empty in several patterns, and times."""
    t = schema.task
    keys = tuple(c.name for c in t.columns)
    now = datetime.datetime(2026, 12, 7, 18, 30, 0, 999_999)
    rows = [tuple(
        i if k == "task_id" else RUN if k == "run_id" else f"app{i % 2}" if k == "task_func_name" else
        "False" if k == "task_memoize" else i % 3 if k == "task_fail_count" else i / 7 if k == "task_fail_cost" else
        (now + datetime.timedelta(microseconds=i) if i % 4 else None) if k.startswith("task_time_") else
        (f"{k}-{i}" if i % (2 + len(k) % 3) else None)
        for k in keys) for i in range(3 * SQLITE_PARAMETERS // len(keys) + 5)]
    assert len({tuple(v is None for v in row) for row in rows}) > 3
    ours, theirs = f"sqlite:///{tmp_path / 'ours.db'}", f"sqlite:///{tmp_path / 'theirs.db'}"
    for url in (ours, theirs):
        engine = sa.create_engine(url)
        schema.metadata.create_all(engine)
        with engine.begin() as conn:
            if url == ours:
                executemany(conn, t.insert(), keys, rows)
            else:
                conn.execute(t.insert(), [dict(zip(keys, row)) for row in rows])
        engine.dispose()
    assert _dump(ours)["task"] == _dump(theirs)["task"]
    assert len(_dump(ours)["task"]) == len(rows)


def test_rows_of_a_table_with_an_autoincremented_key_get_ids_in_their_order(tmp_path: Path) -> None:
    n = schema.node
    keys = tuple(c.name for c in n.columns if c.name != "id")
    now = datetime.datetime.now()
    rows = [tuple(f"host{i}" if k == "hostname" else 1 if k in ("cpu_count", "total_memory", "worker_count") else
                  True if k == "active" else now if k in ("timestamp", "last_heartbeat") else "x" for k in keys)
            for i in range(30)]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        executemany(conn, n.insert(), keys, rows)
        assert [r[0] for r in conn.execute(sa.select(n.c.hostname).order_by(n.c.id))] == [f"host{i}" for i in range(30)]
    engine.dispose()


def _sqlalchemy_text(value: float) -> str:
    """What SQLAlchemy stores in SQLite for the local time ``value`` (seconds since the epoch) rounded
    to whole microseconds as ``times.micros`` rounds it."""
    us = micros(value)
    local = datetime.datetime.fromtimestamp(us // 1_000_000) + datetime.timedelta(microseconds=us % 1_000_000)
    dialect = sqlite.dialect()
    return sa.DateTime().dialect_impl(dialect).bind_processor(dialect)(local)


def _awkward_times() -> list[float]:
    now = float(int(time.time()))
    midnight = datetime.datetime.combine(datetime.date.today(), datetime.time()).timestamp()
    rng = random.Random(17)
    return [now, now + 1e-6, now + 0.5, now + 0.9999995, now + 0.9999994, now + 0.0000004, now - 0.0000004,
            midnight - 0.0000004, midnight - 0.0000006, 1e9 + 0.9999996, 0.0, 86399.9999996,
            *(now + rng.uniform(-4e8, 4e8) for _ in range(3000)), *(now + k * 0.0001234 for k in range(3000))]


def test_times_are_the_text_sqlalchemy_stores() -> None:
    values = _awkward_times()
    assert [sqlite_text(v) for v in values] == [_sqlalchemy_text(v) for v in values]
    # and read back they are the same microsecond
    assert all(micros(datetime.datetime.fromisoformat(sqlite_text(v))) == micros(v) for v in values[:50])
    moment = datetime.datetime(2026, 3, 29, 2, 30, 0, 5)
    assert sqlite_text(moment) == _sqlalchemy_text(moment.timestamp()) == "2026-03-29 02:30:00.000005"
    assert sqlite_text(None) is None


def test_times_are_the_text_sqlalchemy_stores_across_daylight_saving_changes() -> None:
    """In a process whose local time has daylight saving (Central Europe, without the tz database),
    around both changes of 2026 (29 March and 25 October, 01:00 UTC)."""
    program = (
        "import sys, datetime\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from test_sqlite_writes import _sqlalchemy_text\n"
        "from parsl_monitoring.times import sqlite_text\n"
        "utc = datetime.timezone.utc\n"
        "changes = [datetime.datetime(2026, m, d, 1, tzinfo=utc).timestamp() for m, d in ((3, 29), (10, 25))]\n"
        "values = [c + k * 2.4000003 for c in changes for k in range(-3000, 3000)]\n"
        "texts = [sqlite_text(v) for v in values]\n"
        "bad = [(v, t) for v, t in zip(values, texts) if t != _sqlalchemy_text(v)]\n"
        "print(len(values), len(set(t[11:13] for t in texts)), bad[:3])\n"
    )
    env = {**os.environ, "TZ": "CET-1CEST,M3.5.0,M10.5.0/3"}
    out = subprocess.run([sys.executable, "-c", program, str(Path(__file__).parent)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    count, hours, bad = out.stdout.split(" ", 2)
    assert (count, bad.strip()) == ("12000", "[]")
    assert int(hours) >= 4  # the local hours around each change, so local time did apply


def test_worker_reports_at_either_end_of_a_run_of_transitions_are_recorded_in_place() -> None:
    """Two reports before the first transition and one after the last: each try's running and
    running_ended statuses come where its report stood (task 2's, after its exec_done, each moved
    on a microsecond past the one before)."""
    from parsl_monitoring.batch import Known, Plan

    now = time.time()
    report = {i: (i, 0, 0, ("h", "0", now + i, now + i + 0.5, [], None)) for i in range(3)}
    columns = ("rows", "records", "fail_history", "static")  # no record copied
    event = {"run_id": RUN, "task_id": [0, 1, 2], "try_id": [0, 0, 0], "state": ["exec_done"] * 3,
             "time": [now + 1, now + 2, now + 3], "workers": [(0, report[0]), (0, report[1]), (3, report[2])],
             **{c: [] for c in columns}}
    plan = Plan(Known())
    plan.add("transitions", event)
    expected = [(0, "running", now), (0, "running_ended", now + 0.5), (1, "running", now + 1),
                (1, "running_ended", now + 1.5), (0, "exec_done", now + 1), (1, "exec_done", now + 2),
                (2, "exec_done", now + 3), (2, "running", now + 3 + 1e-6), (2, "running_ended", now + 3 + 2e-6)]
    assert [(r[1], r[3]) for r in plan.status] == [e[:2] for e in expected]
    assert [r[4] for r in plan.status] == pytest.approx([e[2] for e in expected], abs=5e-7, rel=0)
