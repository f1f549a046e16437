"""Compatibility with Parsl's own ``monitoring.db``.

``data/parsl-2026.10.26-monitoring.db`` was recorded by real Parsl 2026.10.26 (with
``parsl[monitoring]``) running ``data/parsl-2026.10.26-workflow.py``: 6 tasks, one of which fails.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from helpers import fake_dfk, record, run_task

from parsl.cli.main import main
from parsl_monitoring import schema
from parsl_monitoring.hub import MonitoringHub
from parsl_monitoring.queries import Store

PARSL_DB = Path(__file__).parent / "data" / "parsl-2026.10.26-monitoring.db"


def parsl_columns() -> dict[str, list[str]]:
    db = sqlite3.connect(f"file:{PARSL_DB}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type = 'table'")]
        return {t: [r[1] for r in db.execute(f'pragma table_info("{t}")')] for t in tables}
    finally:
        db.close()


def test_every_parsl_table_and_column_is_ours():
    columns = parsl_columns()
    assert set(columns) == set(schema.PARSL_TABLES)
    for table, names in columns.items():
        ours = [c.name for c in schema.metadata.tables[table].columns]
        assert ours == names, f"table {table}: Parsl has {names}, we have {ours}"


def test_status_and_queries_read_a_parsl_database(tmp_path, capsys):
    db = tmp_path / "monitoring.db"
    shutil.copy(PARSL_DB, db)
    assert main(["status", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Workflow real-parsl" in out and "6 total: 5 done, 1 failed" in out
    assert "boom 3" in out  # from Parsl's fail history, as Parsl records no traceback
    with Store(str(db)) as store:
        run_id = store.latest_run_id()
        tasks = store.tasks(run_id)
        assert [t["task_status_name"] for t in tasks] == ["exec_done"] * 5 + ["failed"]
        assert tasks[4]["task_depends"] in ("0,1", "1,0")


def test_a_new_run_can_be_added_to_a_parsl_database(tmp_path):
    db = tmp_path / "monitoring.db"
    shutil.copy(PARSL_DB, db)
    dfk = fake_dfk(str(tmp_path), run_id="ours")
    hub = MonitoringHub()
    hub.start(dfk)
    hub.parsl_workflow_start(dfk=dfk)
    run_task(hub, dfk, record(0))
    hub.parsl_workflow_end(dfk=dfk)
    hub.close()
    assert hub.error is None
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from workflow")).scalar() == 2
        assert conn.execute(sa.text("select count(*) from status")).scalar() == 33
    engine.dispose()
