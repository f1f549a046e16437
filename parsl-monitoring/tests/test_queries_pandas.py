"""``parsl.monitoring.queries.pandas`` over a ``monitoring.db`` recorded by real Parsl 2026.10.26."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from parsl.monitoring.queries import pandas as q
from parsl_monitoring.errors import MonitoringError

PARSL_DB = Path(__file__).parent / "data" / "parsl-2026.10.26-monitoring.db"


@pytest.fixture
def connection() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(f"file:{PARSL_DB}?mode=ro", uri=True)
    yield db
    db.close()


@pytest.fixture
def run_id(connection: sqlite3.Connection) -> str:
    return connection.execute("SELECT run_id FROM workflow").fetchone()[0]


def test_app_counts(connection: sqlite3.Connection, run_id: str) -> None:
    counts = q.app_counts_for_workflow(run_id, connection)
    assert dict(zip(counts["task_func_name"], counts["frequency"])) == {"add": 1, "boom": 1, "inc": 4}


def test_task_status_and_try_tables_match_the_database(connection: sqlite3.Connection, run_id: str) -> None:
    def count(table: str) -> int:
        return connection.execute(f'SELECT count(*) FROM "{table}" WHERE run_id = ?', (run_id,)).fetchone()[0]

    tasks = q.tasks_for_workflow(run_id, connection)
    assert len(tasks) == count("task") == 6 and "task_depends" in tasks.columns
    assert list(q.status_for_workflow(run_id, connection).columns) == ["run_id", "task_id", "task_status_name",
                                                                       "timestamp"]
    assert len(q.status_for_workflow(run_id, connection)) == count("status")
    tries = q.tries_for_workflow(run_id, connection)
    assert len(tries) == count("try")
    assert list(tries.columns) == ["task_id", "task_func_name", "task_time_returned", "task_try_time_running",
                                   "task_try_time_returned"]
    assert list(q.completion_times_for_workflow(run_id, connection)["task_id"]) == list(tasks["task_id"])
    assert len(q.nodes_for_workflow(run_id, connection)) == count("node")
    assert len(q.resources_for_workflow(run_id, connection)) == count("resource")
    assert len(q.resources_for_task(run_id, 0, connection)) == connection.execute(
        "SELECT count(*) FROM resource WHERE run_id = ? AND task_id = 0", (run_id,)).fetchone()[0]


def test_every_kind_of_connection_gives_the_same_frame(connection: sqlite3.Connection, run_id: str) -> None:
    engine = sa.create_engine(f"sqlite:///{PARSL_DB}")
    try:
        frames = [q.tasks_for_workflow(run_id, db) for db in (connection, engine, str(PARSL_DB),
                                                               f"sqlite:///{PARSL_DB}")]
    finally:
        engine.dispose()
    assert all(frame.equals(frames[0]) for frame in frames[1:])


def test_a_workflow_id_is_a_value_not_sql(connection: sqlite3.Connection) -> None:
    assert q.tasks_for_workflow("x' OR '1'='1", connection).empty


def test_a_missing_database_file_is_an_error_not_an_empty_frame(tmp_path: Path) -> None:
    with pytest.raises(MonitoringError):
        q.tasks_for_workflow("any", str(tmp_path / "monitoring.db"))
    assert not (tmp_path / "monitoring.db").exists()
