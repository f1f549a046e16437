"""The hub and the readers against a real PostgreSQL server (started by .ci/services/postgres.sh)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from helpers import fake_dfk, record, run_task

from parsl_monitoring import schema
from parsl_monitoring.hub import MonitoringHub

URL = os.environ.get("PARSL_TEST_POSTGRES_URL", "postgresql+psycopg://parsl@127.0.0.1:55432/parsl_test")


@pytest.fixture
def pg_url():
    engine = sa.create_engine(URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as e:
        pytest.fail(f"PostgreSQL is not running at {URL}: start it with `bash .ci/services/postgres.sh start` ({e})")
    schema.metadata.drop_all(engine)
    engine.dispose()
    yield URL


def count(url: str, table: str, run_id: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f'select count(*) from "{table}" where run_id = :r'), {"r": run_id}).scalar()
    finally:
        engine.dispose()


def test_thousands_of_transitions_reach_postgresql(pg_url, tmp_path):
    dfk = fake_dfk(str(tmp_path), run_id="pg-load")
    hub = MonitoringHub(logging_endpoint=pg_url)
    hub.start(dfk)
    assert hub.error is None
    hub.parsl_workflow_start(dfk=dfk)
    for i in range(3000):
        run_task(hub, dfk, record(i), fail_with=ValueError(i) if i % 100 == 0 else None)
    hub.parsl_workflow_end(dfk=dfk)
    hub.close()
    assert count(pg_url, "status", "pg-load") == 9000
    assert count(pg_url, "task", "pg-load") == 3000
    assert count(pg_url, "failure", "pg-load") == 30
    assert not (tmp_path / "monitoring-unwritten.jsonl").exists()


def test_two_runs_share_one_database_and_status_reads_it(pg_url, tmp_path, capsys):
    from parsl.cli.main import main

    for run_id in ("pg-a", "pg-b"):
        dfk = fake_dfk(str(tmp_path), run_id=run_id)
        hub = MonitoringHub(logging_endpoint=pg_url, workflow_name=run_id)
        hub.start(dfk)
        hub.parsl_workflow_start(dfk=dfk)
        run_task(hub, dfk, record(0))
        hub.parsl_workflow_end(dfk=dfk)
        hub.close()
    assert main(["status", pg_url, "--run", "pg-a"]) == 0
    out = capsys.readouterr().out
    assert "Workflow pg-a" in out and "1 total: 1 done" in out


def test_a_real_workflow_records_to_postgresql(pg_url, tmp_path):
    import parsl
    from parsl import python_app
    from parsl.config import Config

    @python_app
    def square(x):
        return x * x

    with parsl.load(Config(run_dir=str(tmp_path), monitoring=MonitoringHub(logging_endpoint=pg_url))) as dfk:
        assert sum(square(i).result() for i in range(50)) == sum(i * i for i in range(50))
        run_id = dfk.run_id
    assert count(pg_url, "task", run_id) == 50
    assert count(pg_url, "status", run_id) == 150  # pending, launched, exec_done


def test_dashboard_queries_on_postgresql(pg_url, tmp_path):
    from parsl_monitoring.dashboard import pages
    from parsl_monitoring.queries import Store

    dfk = fake_dfk(str(tmp_path), run_id="pg-dash")
    hub = MonitoringHub(logging_endpoint=pg_url)
    hub.start(dfk)
    hub.parsl_workflow_start(dfk=dfk)
    for i in range(120):
        run_task(hub, dfk, record(i, func_name=f"app{i % 3}", depends=[i - 1] if i else []),
                 fail_with=RuntimeError("no") if i == 7 else None)
    hub.parsl_workflow_end(dfk=dfk)
    hub.close()
    with Store(pg_url) as store:
        completions = store.completions("pg-dash")
        assert sorted(completions["apps"]) == ["app0", "app1", "app2"]
        assert sum(sum(bins) for bins in completions["apps"].values()) == 120
        assert {a["app"]: (a["tasks"], a["done"], a["failed"]) for a in store.app_counts("pg-dash")} == {
            "app0": (40, 40, 0), "app1": (40, 39, 1), "app2": (40, 40, 0)}
        html = pages.workflow_page(store, "pg-dash")
        assert 'id="tasks-data"' in html and "RuntimeError" in html
        assert len(store.tasks("pg-dash", limit=50)) == 50
