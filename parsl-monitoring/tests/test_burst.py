"""A burst of tasks through a real DataFlowKernel: after close, every task's rows are there, right.

The hub copies a task record's columns once per batch, when the sender ships it (not at every
transition), and the writer folds a second of events into one transaction; this checks that
nothing is lost or mixed up on the way, retries included.
"""

from __future__ import annotations

import sqlalchemy as sa

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.executors.threads import ThreadPoolExecutor
from parsl_monitoring.hub import MonitoringHub

TASKS = 3000


@python_app
def noop(i: int) -> int:
    return i


@python_app
def fails_first_try(marker: str) -> str:
    import os

    if not os.path.exists(marker):  # the first try leaves the marker and fails; the retry succeeds
        open(marker, "w").close()
        raise ValueError("first try fails")
    return "ok"


def test_burst_of_tasks_with_retries_is_recorded_completely(tmp_path):
    hub = MonitoringHub(resource_monitoring_interval=0)
    config = Config(executors=[ThreadPoolExecutor(max_threads=2)], run_dir=str(tmp_path), monitoring=hub, retries=1)
    with parsl.load(config):
        futures = [noop(i) for i in range(TASKS)]
        retried = [fails_first_try(str(tmp_path / f"marker{i}")) for i in range(20)]
        assert [f.result() for f in futures] == list(range(TASKS))
        assert [f.result() for f in retried] == ["ok"] * 20
    assert hub.error is None
    engine = sa.create_engine(f"sqlite:///{tmp_path}/monitoring.db")
    with engine.connect() as conn:
        def one(sql: str) -> tuple:
            return tuple(conn.execute(sa.text(sql)).one())

        total = TASKS + 20
        assert one("select tasks_completed_count, tasks_failed_count, time_completed is not null "
                   "from workflow") == (total, 0, 1)
        assert one("select count(*), count(task_time_invoked), count(task_time_returned) from task") == (
            total, total, total)
        assert one("select count(*) from task where task_time_returned < task_time_invoked") == (0,)
        assert one("select count(*) from task_state where task_status_name = 'exec_done'") == (total,)
        # each try keeps its own times: the first try of a retried task is not overwritten by the second
        assert one("select count(*), count(task_try_time_launched), count(task_try_time_returned) from try") == (
            total + 20, total + 20, total + 20)
        assert one("select count(*) from try t0 join try t1 on t0.run_id = t1.run_id and t0.task_id = t1.task_id "
                   "and t0.try_id = 0 and t1.try_id = 1 "
                   "where t0.task_try_time_returned <= t1.task_try_time_launched") == (20,)
        assert one("select count(*) from task where task_fail_count = 1 and task_func_name = 'fails_first_try'") == (
            20,)
        # pending, launched, exec_done per task; a retried one adds fail_retryable, pending and launched
        assert one("select count(*) from status") == (3 * total + 3 * 20,)
        assert one("select count(*) from failure") == (20,)
    engine.dispose()
