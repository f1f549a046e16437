"""Real workflows run with ``Config(monitoring=MonitoringHub(...))`` on the DataFlowKernel."""

from __future__ import annotations

import sqlalchemy as sa

import parsl
from parsl import python_app
from parsl.config import Config
from parsl_monitoring.hub import MonitoringHub


def query(run_dir, sql: str, **params) -> list:
    engine = sa.create_engine(f"sqlite:///{run_dir}/monitoring.db")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


@python_app
def inc(x):
    return x + 1


@python_app
def add(a, b):
    return a + b


@python_app
def boom(x):
    raise ValueError(f"boom {x}")


def test_parsl_import_paths_and_config_file_name():
    from parsl.monitoring import MonitoringHub as A
    from parsl.monitoring.monitoring import MonitoringHub as B
    from parsl.plugins.manager import get_plugin_manager

    assert A is B is MonitoringHub
    assert get_plugin_manager().get("monitor", "hub") is MonitoringHub
    assert parsl.MonitoringHub is MonitoringHub


def test_config_file_names_the_hub(tmp_path):
    from parsl.config import load_config_file

    path = tmp_path / "config.toml"
    path.write_text('[monitoring]\ntype = "hub"\nworkflow_name = "from-toml"\nresource_monitoring_interval = 5\n')
    config = load_config_file(str(path))
    assert isinstance(config.monitoring, MonitoringHub)
    assert (config.monitoring.workflow_name, config.monitoring.resource_monitoring_interval) == ("from-toml", 5)
    from parsl.configfile.dump import dumps

    again = tmp_path / "again.toml"
    again.write_text(dumps(config, "toml"))  # dumped back, it loads to the same settings
    assert repr(load_config_file(str(again)).monitoring) == repr(config.monitoring)
    assert 'type = "hub"' in again.read_text() and "lock_timeout" not in again.read_text()


def test_every_transition_of_a_dependent_workflow_is_recorded(tmp_path):
    config = Config(run_dir=str(tmp_path), monitoring=MonitoringHub(workflow_name="deps"))
    with parsl.load(config) as dfk:
        firsts = [inc(i) for i in range(100)]
        seconds = [add(f, firsts[0]) for f in firsts]
        failing = boom(seconds[0])
        assert sum(s.result() for s in seconds) == sum(i + 1 + 1 for i in range(100))
        assert isinstance(failing.exception(), ValueError)
        run_id = dfk.run_id
    assert query(tmp_path, "select workflow_name, tasks_completed_count, tasks_failed_count, "
                           "time_completed is not null from workflow") == [("deps", 200, 1, 1)]
    assert query(tmp_path, "select count(*) from task where run_id = :r", r=run_id) == [(201,)]
    assert query(tmp_path, "select count(*) from status") == [(603,)]
    [(depends,)] = query(tmp_path, "select task_depends from task where task_id = 101")
    assert set(depends.split(",")) == {"0", "1"}
    [(etype, message, tb)] = query(tmp_path, "select exception_type, message, traceback from failure")
    assert (etype, message) == ("ValueError", "boom 2")
    assert "in boom" in tb and 'raise ValueError(f"boom {x}")' in tb


def test_retries_are_separate_tries(tmp_path):
    config = Config(run_dir=str(tmp_path), retries=1, monitoring=MonitoringHub())
    with parsl.load(config):
        assert isinstance(boom(1).exception(), ValueError)
    assert query(tmp_path, "select task_status_name, try_id from status order by timestamp") == [
        ("pending", 0), ("launched", 0), ("fail_retryable", 0), ("pending", 1), ("launched", 1), ("failed", 1)]
    assert query(tmp_path, "select try_id from try order by try_id") == [(0,), (1,)]
    assert query(tmp_path, "select try_id, exception_type from failure order by try_id") == [
        (0, "ValueError"), (1, "ValueError")]


def test_status_command_reads_a_run_directory(tmp_path, capsys):
    from parsl.cli.main import main

    with parsl.load(Config(run_dir=str(tmp_path), monitoring=MonitoringHub(workflow_name="first"))):
        inc(1).result()
    with parsl.load(Config(run_dir=str(tmp_path), monitoring=MonitoringHub(workflow_name="second"))):
        [inc(i).result() for i in range(3)]
    capsys.readouterr()
    assert main(["status", str(tmp_path)]) == 0  # the latest run
    assert "Workflow second" in capsys.readouterr().out
    assert main(["status", str(tmp_path / "000")]) == 0  # one run's directory
    out = capsys.readouterr().out
    assert "Workflow first" in out and "1 total: 1 done" in out and "inc" in out
    assert main(["status", str(tmp_path), "--json"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out)
    assert summary["workflow_name"] == "second" and summary["groups"]["done"] == 3


def test_status_of_a_running_workflow(tmp_path, capsys):
    """``parsl status`` reads the database while the workflow is still writing it (SQLite WAL)."""
    import threading
    import time

    from parsl.cli.main import main

    release = threading.Event()

    @python_app
    def wait_for_release():
        release.wait(60)
        return 1

    with parsl.load(Config(run_dir=str(tmp_path), monitoring=MonitoringHub(workflow_name="live"))):
        try:
            futures = [wait_for_release() for _ in range(4)]
            deadline = time.monotonic() + 60
            out = ""
            while "4 total" not in out and time.monotonic() < deadline:  # the writer flushes every 0.2 s
                capsys.readouterr()
                main(["status", str(tmp_path)])  # exit code 1 until the workflow's first rows are in
                out = capsys.readouterr().out
                time.sleep(0.1)
            assert "Workflow live" in out and "— running" in out and "4 total: 4 launched" in out
        finally:
            release.set()
        assert sum(f.result() for f in futures) == 4
    capsys.readouterr()
    assert main(["status", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "— completed" in out and "4 total: 4 done" in out
