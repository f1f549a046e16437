"""Locked, corrupt, old-schema and unreachable databases; unknown runs: clear errors, workflows unharmed."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlalchemy as sa
from helpers import fake_dfk, record, run_task

import parsl
from parsl import python_app
from parsl.cli.main import main
from parsl.config import Config
from parsl_monitoring.errors import DatabaseCorrupt, DatabaseLocked, DatabaseUnavailable, SchemaMismatch
from parsl_monitoring.hub import MonitoringHub


@python_app
def triple(x):
    return 3 * x


def run_workflow(tmp_path, hub: MonitoringHub) -> list[int]:
    """Run a small workflow with ``hub``; the workflow's results, which must not suffer."""
    with parsl.load(Config(run_dir=str(tmp_path), monitoring=hub)):
        return [triple(i).result() for i in range(10)]


def assert_monitoring_off(tmp_path, hub, error_type, text):
    with pytest.warns(RuntimeWarning, match="monitoring is off for this workflow") as caught:
        assert run_workflow(tmp_path, hub) == [3 * i for i in range(10)]
    assert isinstance(hub.error, error_type), hub.error
    assert text in str(hub.error) and text in str(caught[0].message)


def test_corrupt_database(tmp_path, capsys):
    (tmp_path / "monitoring.db").write_bytes(b"this is not a database\n" * 200)
    assert_monitoring_off(tmp_path, MonitoringHub(), DatabaseCorrupt, "is not a valid database or is damaged")
    assert main(["status", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("parsl status: monitoring database sqlite:///") and "Traceback" not in err


def test_database_locked_at_start(tmp_path):
    path = tmp_path / "monitoring.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("create table other (x)")
    holder.execute("begin exclusive")
    try:
        hub = MonitoringHub()
        hub.lock_timeout = 0.2
        assert_monitoring_off(tmp_path, hub, DatabaseLocked, "is locked by another process")
    finally:
        holder.execute("rollback")
        holder.close()


def test_database_locked_during_the_run_spills_events_to_a_file(tmp_path, monkeypatch):
    """Events that cannot be written are kept in a JSON-lines file beside the run, none lost."""
    monkeypatch.setenv("PARSL_MONITORING_RETRIES", "2")
    monkeypatch.setenv("PARSL_MONITORING_RETRY_PAUSE", "0.01")
    dfk = fake_dfk(str(tmp_path))
    hub = MonitoringHub()
    hub.lock_timeout = 0.1
    hub.start(dfk)
    hub.parsl_workflow_start(dfk=dfk)
    holder = sqlite3.connect(tmp_path / "monitoring.db", isolation_level=None)
    holder.execute("begin exclusive")
    try:
        for i in range(200):
            run_task(hub, dfk, record(i))
        hub.parsl_workflow_end(dfk=dfk)
        hub.close()
    finally:
        holder.execute("rollback")
        holder.close()
    spilled = tmp_path / "monitoring-unwritten.jsonl"
    kinds = [json.loads(line)["kind"] for line in spilled.read_text().splitlines()]
    # the transitions, as columns (each task's record columns once)
    events = [json.loads(line) for line in spilled.read_text().splitlines()]
    transitions = [e["event"] for e in events if e["kind"] == "transitions"]
    assert sum(len(t["state"]) for t in transitions) == 600 and sum(len(t["rows"]) for t in transitions) >= 200
    assert kinds.count("workflow_end") == 1
    assert isinstance(hub.error, DatabaseLocked)
    # once the database is free again, the saved events go in: nothing was lost
    assert main(["monitor", "import", str(spilled), "--into", str(tmp_path)]) == 0
    engine = sa.create_engine(f"sqlite:///{tmp_path}/monitoring.db")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from status")).scalar() == 600
        assert conn.execute(sa.text("select count(*) from task")).scalar() == 200
        ended = conn.execute(sa.text("select tasks_completed_count, time_completed is not null from workflow"))
        assert ended.one() == (200, 1)
    engine.dispose()
    # importing the same events twice adds nothing
    assert main(["monitor", "import", str(spilled), "--into", str(tmp_path)]) == 0
    engine = sa.create_engine(f"sqlite:///{tmp_path}/monitoring.db")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from status")).scalar() == 600
    engine.dispose()


def test_old_schema(tmp_path, capsys):
    db = sqlite3.connect(tmp_path / "monitoring.db")
    db.execute("create table workflow (run_id text primary key, workflow_name text, time_began datetime)")
    db.execute("create table task (task_id integer, run_id text, task_func_name text)")
    db.execute("create table status (task_id integer, run_id text, task_status_name text, timestamp datetime)")
    db.commit()
    db.close()
    hub = MonitoringHub()
    assert_monitoring_off(tmp_path, hub, SchemaMismatch, "older or different version")
    assert "table 'task' lacks task_depends" in str(hub.error)
    assert main(["status", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "table 'workflow' lacks workflow_version" in err and "Traceback" not in err


def test_database_server_down(tmp_path, capsys):
    url = "postgresql+psycopg://parsl@127.0.0.1:1/nowhere"
    assert_monitoring_off(tmp_path, MonitoringHub(logging_endpoint=url), DatabaseUnavailable,
                          "cannot use monitoring database postgresql+psycopg://parsl@127.0.0.1:1/nowhere")
    assert main(["status", url]) == 1
    assert "cannot use monitoring database" in capsys.readouterr().err


def test_password_is_not_shown(tmp_path):
    hub = MonitoringHub(logging_endpoint="postgresql+psycopg://parsl:s3cret@127.0.0.1:1/nowhere")
    with pytest.warns(RuntimeWarning):
        run_workflow(tmp_path, hub)
    assert "s3cret" not in str(hub.error) and "***" in str(hub.error)


def test_missing_driver_and_bad_url(tmp_path):
    assert_monitoring_off(tmp_path, MonitoringHub(logging_endpoint="nosuchdb://x/y"), DatabaseUnavailable, "nosuchdb")
    assert_monitoring_off(tmp_path, MonitoringHub(logging_endpoint="not a url://"), DatabaseUnavailable,
                          "not a valid SQLAlchemy URL")


def test_a_driver_argument_error_is_not_called_a_bad_url():
    """SQLAlchemy raises ArgumentError for more than URLs: only a URL that does not parse is called invalid."""
    from parsl_monitoring.db import translate

    error = translate("sqlite:///runinfo/monitoring.db", sa.exc.ArgumentError("Option 'frobnicate' is not supported"))
    assert isinstance(error, DatabaseUnavailable)
    assert str(error) == ("cannot use monitoring database sqlite:///runinfo/monitoring.db: "
                          "Option 'frobnicate' is not supported")


def test_unknown_run_and_missing_database(known_run, tmp_path, capsys):
    assert main(["status", known_run["run_dir"], "--run", "nope"]) == 1
    assert "no workflow with run id 'nope'" in capsys.readouterr().err
    empty = tmp_path / "elsewhere" / "empty"
    assert main(["status", str(empty)]) == 1
    assert "does not exist" in capsys.readouterr().err
    empty.mkdir(parents=True)
    assert main(["status", str(empty)]) == 1
    assert "no monitoring.db in" in capsys.readouterr().err
    assert main(["status", str(tmp_path / "known_run_dir_child")]) == 1


def test_bad_settings_fail_at_construction():
    from parsl.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="resource_monitoring_interval"):
        MonitoringHub(resource_monitoring_interval=-1)
    with pytest.raises(ConfigurationError, match="monitoring_debug"):
        MonitoringHub(monitoring_debug="yes")
    with pytest.warns(DeprecationWarning, match="hub_port is unused"):
        MonitoringHub(hub_port=55055)
