"""Monitoring a real HighThroughputExecutor workflow (parsl-monitoring with parsl-executor-htex)."""

from __future__ import annotations

import os
import time

import sqlalchemy as sa

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.monitoring import MonitoringHub
from parsl.providers import LocalProvider


@python_app
def cube(x):
    return x ** 3


@python_app
def remote_failure(x):
    raise RuntimeError(f"failed on the worker with {x}")


def test_htex_workflow_is_recorded_with_blocks_and_remote_tracebacks(tmp_path, capsys):
    here = os.path.dirname(os.path.abspath(__file__))  # workers import this module's apps by name
    config = Config(
        executors=[HighThroughputExecutor(label="htex", max_workers_per_node=2,
                                          provider=LocalProvider(init_blocks=1, max_blocks=1,
                                                                 worker_init=f"export PYTHONPATH={here}"))],
        run_dir=str(tmp_path), strategy_period=0.5,
        monitoring=MonitoringHub(workflow_name="htex-run"))
    with parsl.load(config) as dfk:
        futures = [cube(i) for i in range(300)]
        failing = remote_failure(cube(2))
        assert sum(f.result() for f in futures) == sum(i ** 3 for i in range(300))
        assert isinstance(failing.exception(), RuntimeError)
        run_id = dfk.run_id
    engine = sa.create_engine(f"sqlite:///{tmp_path}/monitoring.db")
    with engine.connect() as conn:
        def one(sql: str):
            return conn.execute(sa.text(sql), {"r": run_id}).one()

        assert one("select count(*) from task where run_id = :r") == (302,)
        # pending, launched, running, running_ended (both from the worker's report), exec_done/failed
        assert one("select count(*) from status where run_id = :r") == (302 * 5,)
        assert one("select tasks_completed_count, tasks_failed_count from workflow where run_id = :r") == (301, 1)
        assert one("select count(distinct task_executor) from try where run_id = :r") == (1,)
        blocks = conn.execute(sa.text("select executor_label, block_id, status from block where run_id = :r "
                                      "order by timestamp"),
                              {"r": run_id}).all()
        exception_type, traceback = one("select exception_type, traceback from failure where run_id = :r")
    engine.dispose()
    assert {(b[0], b[1]) for b in blocks} == {("htex", "0")}
    assert blocks[0][2] == "PENDING"  # as the job status poller saw it, up to the block's end
    assert blocks[-1][2] in {"SCALED_IN", "CANCELLED", "COMPLETED"}
    assert exception_type == "RuntimeError" and "in remote_failure" in traceback
    from parsl.cli.main import main

    capsys.readouterr()
    assert main(["status", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Workflow htex-run" in out and "302 total: 301 done, 1 failed" in out


@python_app
def allocate(mib):
    import time

    block = bytearray(mib * 1024 * 1024)
    time.sleep(0.5)
    return len(block)


def test_worker_resources_travel_back_over_htex(tmp_path):
    here = os.path.dirname(os.path.abspath(__file__))
    config = Config(
        executors=[HighThroughputExecutor(label="htex", max_workers_per_node=2,
                                          provider=LocalProvider(worker_init=f"export PYTHONPATH={here}"))],
        run_dir=str(tmp_path), monitoring=MonitoringHub(resource_monitoring_interval=0.1))
    with parsl.load(config):
        assert [f.result() for f in [allocate(64) for _ in range(4)]] == [64 * 1024 * 1024] * 4
        assert isinstance(remote_failure(1).exception(), RuntimeError)
    engine = sa.create_engine(f"sqlite:///{tmp_path}/monitoring.db")
    with engine.connect() as conn:
        per_task = conn.execute(sa.text(
            "select task_id, count(*), max(psutil_process_memory_resident) from resource group by task_id")).all()
        tries = conn.execute(sa.text("select hostname, block_id, task_try_time_running from try")).all()
        running = conn.execute(sa.text("select count(*) from status where task_status_name = 'running'")).scalar()
        failed_try = conn.execute(sa.text("select hostname, task_try_time_running from try where task_id = 4")).one()
    engine.dispose()
    # The failure is too short for a sample of its own (docs/decisions.md, short tries), but its
    # report (where and when it ran) came back attached to its exception.
    assert failed_try[0] and failed_try[1] is not None, "the failed task's report came back with its exception"
    assert {task_id for task_id, _, _ in per_task} >= {0, 1, 2, 3}
    assert all(n >= 3 for task_id, n, _ in per_task if task_id < 4), "periodic samples while each task ran"
    assert all(rss > 64 * 1024 * 1024 for task_id, _, rss in per_task if task_id < 4)
    assert all(host and block == "0" and started is not None for host, block, started in tries)
    assert running == 5


def test_thousands_of_worker_reports_arrive(tmp_path):
    """Lossless from workers: every try's report comes back in its result, none dropped under load."""
    here = os.path.dirname(os.path.abspath(__file__))
    config = Config(
        executors=[HighThroughputExecutor(label="htex", max_workers_per_node=2,
                                          provider=LocalProvider(worker_init=f"export PYTHONPATH={here}"))],
        run_dir=str(tmp_path), monitoring=MonitoringHub(resource_monitoring_interval=60))
    started = time.monotonic()
    with parsl.load(config):
        assert sum(f.result() for f in [cube(i) for i in range(3000)]) == sum(i ** 3 for i in range(3000))
    intervals = 1 + int((time.monotonic() - started) // 60)
    engine = sa.create_engine(f"sqlite:///{tmp_path}/monitoring.db")
    with engine.connect() as conn:
        def count(sql: str) -> int:
            return conn.execute(sa.text(sql)).scalar()

        # Short tries share one sample per interval per worker process (docs/decisions.md): each of
        # the two workers shows up, and the 3000 no-op tries did not each pay for a sample.
        assert count("select count(distinct psutil_process_pid) from resource") == 2
        assert count("select count(*) from resource") <= 2 * intervals
        assert count("select count(*) from status where task_status_name = 'running_ended'") == 3000
        assert count("select count(*) from try where hostname is null") == 0
    engine.dispose()
