"""Parsl's ``parsl.monitoring.queries.pandas``: a workflow's monitoring tables as pandas DataFrames.

Same functions, arguments and columns as Parsl's, over Parsl's table layout (which our database
keeps), so notebooks written against Parsl's ``monitoring.db`` run unchanged. ``db`` is what
``pandas.read_sql_query`` takes (a SQLAlchemy engine or connection, or a ``sqlite3``
connection) or a database URL or ``monitoring.db`` path. Values are bound as query parameters,
never pasted into the SQL.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa

from parsl_monitoring.db import open_for_reading

try:
    import pandas as pd
except ImportError as e:  # an optional dependency: say how to get it
    raise ImportError("parsl.monitoring.queries.pandas needs pandas: pip install 'parsl-monitoring[pandas]'") from e

#: Anything ``pandas.read_sql_query`` accepts as a connection, or a database URL or path.
DB = Any


def _query(sql: str, db: DB, **params: Any) -> pd.DataFrame:
    if isinstance(db, str):
        engine, _ = open_for_reading(db)  # read-only; a missing file is an error, not an empty database
        try:
            with engine.connect() as connection:
                return pd.read_sql_query(sa.text(sql), connection, params=params)
        finally:
            engine.dispose()
    if isinstance(db, sqlite3.Connection):  # DB-API: sqlite3 binds :name parameters itself
        return pd.read_sql_query(sql, db, params=params)
    return pd.read_sql_query(sa.text(sql), db, params=params)


def app_counts_for_workflow(workflow_id: Any, db: DB) -> pd.DataFrame:
    """How many tasks each app of the run submitted (``task_func_name``, ``frequency``)."""
    return _query("SELECT task_func_name, count(*) AS frequency FROM task WHERE run_id = :run "
                  "GROUP BY task_func_name", db, run=workflow_id)


def nodes_for_workflow(workflow_id: Any, db: DB) -> pd.DataFrame:
    """The run's ``node`` rows: the worker pools that joined it."""
    return _query("SELECT * FROM node WHERE run_id = :run", db, run=workflow_id)


def resources_for_workflow(workflow_id: Any, db: DB) -> pd.DataFrame:
    """The run's ``resource`` rows: every resource sample of every task."""
    return _query("SELECT * FROM resource WHERE run_id = :run", db, run=workflow_id)


def resources_for_task(workflow_id: Any, task_id: Any, db: DB) -> pd.DataFrame:
    """The resource samples of one task of the run."""
    return _query("SELECT * FROM resource WHERE run_id = :run AND task_id = :task", db, run=workflow_id,
                  task=task_id)


def status_for_workflow(workflow_id: Any, db: DB) -> pd.DataFrame:
    """Every state transition of the run's tasks, in the ``status`` table's order."""
    return _query("SELECT run_id, task_id, task_status_name, timestamp FROM status WHERE run_id = :run", db,
                  run=workflow_id)


def completion_times_for_workflow(workflow_id: Any, db: DB) -> pd.DataFrame:
    """When each task of the run returned."""
    return _query("SELECT task_id, task_func_name, task_time_returned FROM task WHERE run_id = :run", db,
                  run=workflow_id)


def tasks_for_workflow(workflow_id: Any, db: DB) -> pd.DataFrame:
    """The run's ``task`` rows."""
    return _query("SELECT * FROM task WHERE run_id = :run", db, run=workflow_id)


def tries_for_workflow(workflow_id: Any, db: DB) -> pd.DataFrame:
    """Each try of each task of the run, with when it ran and returned."""
    return _query('SELECT task.task_id, task_func_name, task_time_returned, task_try_time_running, '
                  'task_try_time_returned FROM task JOIN "try" ON task.task_id = "try".task_id '
                  'AND task.run_id = "try".run_id WHERE task.run_id = :run', db, run=workflow_id)
