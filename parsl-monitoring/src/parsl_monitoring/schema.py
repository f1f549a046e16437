"""The tables of the monitoring database.

The seven tables of Parsl's ``monitoring.db`` (``workflow``, ``task``, ``try``, ``status``,
``block``, ``node``, ``resource``) have Parsl's names, columns, types and primary keys, so queries
written against Parsl's database keep working. Four tables are ours and only added:
``task_state`` (each task's latest state, so a dashboard of 100,000 tasks does not scan the status
log), ``failure`` (the traceback of every failed try), ``workflow_process`` (the workflow's process,
to tell a crashed run from a running one) and ``parsl_monitoring_meta`` (the schema version).
The indexes are on the columns the dashboard and ``parsl status`` filter and sort by.
"""

from __future__ import annotations

from sqlalchemy import (
                        BigInteger,
                        Boolean,
                        Column,
                        DateTime,
                        Float,
                        ForeignKey,
                        Index,
                        Integer,
                        MetaData,
                        PrimaryKeyConstraint,
                        Table,
                        Text,
)

SCHEMA_VERSION = "1"

metadata = MetaData()

workflow = Table(
    "workflow", metadata,
    Column("run_id", Text, nullable=False, primary_key=True),
    Column("workflow_name", Text, nullable=True),
    Column("workflow_version", Text, nullable=True),
    Column("time_began", DateTime, nullable=False),
    Column("time_completed", DateTime, nullable=True),
    Column("host", Text, nullable=False),
    Column("user", Text, nullable=False),
    Column("rundir", Text, nullable=False),
    Column("tasks_failed_count", Integer, nullable=False),
    Column("tasks_completed_count", Integer, nullable=False),
)

status = Table(
    "status", metadata,
    Column("task_id", Integer, nullable=False),
    Column("task_status_name", Text, nullable=False),
    Column("timestamp", DateTime, nullable=False),
    Column("run_id", Text, ForeignKey("workflow.run_id"), nullable=False),
    Column("try_id", Integer, nullable=False),
    PrimaryKeyConstraint("task_id", "run_id", "task_status_name", "timestamp"),  # serves per-task lookups
    sqlite_with_rowid=False,
)

task = Table(
    "task", metadata,
    Column("task_id", Integer, nullable=False),
    Column("run_id", Text, nullable=False),
    Column("task_depends", Text, nullable=True),
    Column("task_func_name", Text, nullable=False),
    Column("task_memoize", Text, nullable=False),
    Column("task_hashsum", Text, nullable=True, index=True),
    Column("task_inputs", Text, nullable=True),
    Column("task_outputs", Text, nullable=True),
    Column("task_stdin", Text, nullable=True),
    Column("task_stdout", Text, nullable=True),
    Column("task_stderr", Text, nullable=True),
    Column("task_time_invoked", DateTime, nullable=True),
    Column("task_time_returned", DateTime, nullable=True),
    Column("task_fail_count", Integer, nullable=False),
    Column("task_fail_cost", Float, nullable=False),
    PrimaryKeyConstraint("task_id", "run_id"),
    Index("ix_task_run_task", "run_id", "task_id"),  # a run's tasks in id order
    Index("ix_task_run_func_returned", "run_id", "task_func_name", "task_time_returned"),  # per app over time
)

try_ = Table(
    "try", metadata,
    Column("try_id", Integer, nullable=False),
    Column("task_id", Integer, nullable=False),
    Column("run_id", Text, nullable=False),
    Column("block_id", Text, nullable=True),
    Column("hostname", Text, nullable=True),
    Column("task_executor", Text, nullable=False),
    Column("task_try_time_launched", DateTime, nullable=True),
    Column("task_try_time_running", DateTime, nullable=True),
    Column("task_try_time_returned", DateTime, nullable=True),
    Column("task_fail_history", Text, nullable=True),
    Column("task_joins", Text, nullable=True),
    PrimaryKeyConstraint("try_id", "task_id", "run_id"),
    Index("ix_try_run_task", "run_id", "task_id"),
    sqlite_with_rowid=False,
)

node = Table(
    "node", metadata,
    Column("id", Integer, nullable=False, primary_key=True, autoincrement=True),
    Column("run_id", Text, nullable=False),
    Column("hostname", Text, nullable=False),
    Column("uid", Text, nullable=False),
    Column("block_id", Text, nullable=False),
    Column("cpu_count", Integer, nullable=False),
    Column("total_memory", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("worker_count", Integer, nullable=False),
    Column("python_v", Text, nullable=False),
    Column("timestamp", DateTime, nullable=False),
    Column("last_heartbeat", DateTime, nullable=False),
    Index("ix_node_run", "run_id"),
)

block = Table(
    "block", metadata,
    Column("run_id", Text, nullable=False),
    Column("executor_label", Text, nullable=False),
    Column("block_id", Text, nullable=False),
    Column("job_id", Text, nullable=True),
    Column("timestamp", DateTime, nullable=False),
    Column("status", Text, nullable=False),
    PrimaryKeyConstraint("run_id", "block_id", "executor_label", "timestamp"),
)

_RESOURCE_FLOATS = ("memory_percent", "children_count", "time_user", "time_system", "memory_virtual",
                    "memory_resident", "disk_read", "disk_write")

resource = Table(
    "resource", metadata,
    Column("try_id", Integer, nullable=False),
    Column("task_id", Integer, nullable=False),
    Column("run_id", Text, ForeignKey("workflow.run_id"), nullable=False),
    Column("timestamp", DateTime, nullable=False),
    Column("resource_monitoring_interval", Float, nullable=True),
    Column("psutil_process_pid", Integer, nullable=True),
    *(Column(f"psutil_process_{name}", Float, nullable=True) for name in _RESOURCE_FLOATS),
    Column("psutil_process_status", Text, nullable=True),
    Column("psutil_cpu_num", Text, nullable=True),
    Column("psutil_process_num_ctx_switches_voluntary", Float, nullable=True),
    Column("psutil_process_num_ctx_switches_involuntary", Float, nullable=True),
    PrimaryKeyConstraint("try_id", "task_id", "run_id", "timestamp"),
    Index("ix_resource_run_task", "run_id", "task_id"),
)

# -- tables of this plugin only ------------------------------------------------------------------

task_state = Table(
    "task_state", metadata,
    Column("run_id", Text, nullable=False),
    Column("task_id", Integer, nullable=False),
    Column("try_id", Integer, nullable=False),
    Column("task_status_name", Text, nullable=False),
    Column("timestamp", DateTime, nullable=False),
    Column("task_func_name", Text, nullable=False),
    PrimaryKeyConstraint("run_id", "task_id"),
    Index("ix_task_state_run_status", "run_id", "task_status_name"),
    Index("ix_task_state_run_app", "run_id", "task_func_name", "task_status_name"),
    sqlite_with_rowid=False,
)

failure = Table(
    "failure", metadata,
    Column("run_id", Text, nullable=False),
    Column("task_id", Integer, nullable=False),
    Column("try_id", Integer, nullable=False),
    Column("timestamp", DateTime, nullable=False),
    Column("exception_type", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("traceback", Text, nullable=True),
    PrimaryKeyConstraint("run_id", "task_id", "try_id"),
)

transfer = Table(
    "transfer", metadata,
    Column("id", Integer, nullable=False, primary_key=True, autoincrement=True),
    Column("run_id", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("source_site", Text, nullable=False),
    Column("dest_site", Text, nullable=False),
    Column("route", Text, nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("time_started", DateTime, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("error", Text, nullable=True),
    Index("ix_transfer_run", "run_id"),
)

workflow_process = Table(
    "workflow_process", metadata,
    Column("run_id", Text, ForeignKey("workflow.run_id"), primary_key=True),
    Column("pid", Integer, nullable=False),
    Column("pid_started", Float, nullable=False),  # the process's start time (epoch s): a reused pid is not it
)

meta = Table(
    "parsl_monitoring_meta", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

#: Parsl's tables, by name, in the order they are created.
PARSL_TABLES = ("workflow", "status", "task", "try", "node", "block", "resource")
