"""A database password never shows: not in reprs, logs, messages, process lists or ``parsl config show``."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import psutil
import pytest
from helpers import fake_dfk, record, run_task
from test_postgresql import URL, pg_url  # noqa: F401  (the fixture)

from parsl.config import Config
from parsl_monitoring.hub import MonitoringHub
from parsl_monitoring.redact import hide_password

SECRET = "s3cret-Pa55"


@pytest.mark.parametrize(("url", "shown"), [
    (f"postgresql+psycopg://alice:{SECRET}@db.example:5432/parsl", "postgresql+psycopg://alice:***@db.example:5432/parsl"),
    (f"mysql://bob:{SECRET}@host/db?charset=utf8&password={SECRET}", "mysql://bob:***@host/db?charset=utf8&password=***"),
    (f"postgresql://carol:p@ss:{SECRET}@host/db", "postgresql://carol:***@host/db"),  # '@' and ':' in the password
    (f"postgresql://host/db?token={SECRET}", "postgresql://host/db?token=***"),
    ("sqlite:////tmp/runinfo/monitoring.db", "sqlite:////tmp/runinfo/monitoring.db"),
    ("postgresql://alice@host/db", "postgresql://alice@host/db"),
    (f"not a url:{SECRET}", f"not a url:{SECRET}"),  # nothing that looks like a secret: unchanged
])
def test_hide_password(url: str, shown: str) -> None:
    assert hide_password(url) == shown


def test_reprs_hide_the_password() -> None:
    hub = MonitoringHub(logging_endpoint=f"postgresql://alice:{SECRET}@db/parsl")
    assert SECRET not in repr(hub) and "alice:***@db/parsl" in repr(hub)
    assert SECRET not in repr(Config(monitoring=hub))
    assert hub.logging_endpoint.endswith(f"{SECRET}@db/parsl")  # the setting itself is intact


def test_config_show_hides_the_password(tmp_path) -> None:
    path = tmp_path / "workflow.toml"
    path.write_text(f'[monitoring]\ntype = "hub"\nlogging_endpoint = "postgresql://alice:{SECRET}@db/parsl"\n')
    for fmt in ("toml", "yaml"):
        out = subprocess.run([sys.executable, "-m", "parsl", "config", "show", str(path), "--format", fmt],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert SECRET not in out.stdout + out.stderr
        assert "postgresql://alice:***@db/parsl" in out.stdout


def test_a_workflow_on_postgresql_never_writes_or_exposes_the_password(pg_url, tmp_path, caplog) -> None:  # noqa: F811
    secret_url = pg_url.replace("://parsl@", f"://parsl:{SECRET}@")  # the CI server trusts local users
    assert SECRET in secret_url
    caplog.set_level(logging.DEBUG)
    dfk = fake_dfk(str(tmp_path), run_id="secret-run")
    hub = MonitoringHub(logging_endpoint=secret_url, monitoring_debug=True)
    hub.start(dfk)
    assert hub.error is None
    (writer,) = [p for p in psutil.Process().children() if "parsl_monitoring.writer" in " ".join(p.cmdline())]
    assert SECRET not in " ".join(writer.cmdline())  # any user can read a command line (ps)
    hub.parsl_workflow_start(dfk=dfk)
    run_task(hub, dfk, record(0))
    run_task(hub, dfk, record(1), fail_with=ValueError("boom"))
    hub.parsl_workflow_end(dfk=dfk)
    hub.close()
    assert SECRET not in caplog.text
    for root, _, files in os.walk(tmp_path):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                assert SECRET.encode() not in f.read(), f"the password is in {name}"


def test_a_database_that_cannot_be_reached_is_reported_without_the_password(tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    dfk = fake_dfk(str(tmp_path), run_id="unreachable")
    hub = MonitoringHub(logging_endpoint=f"postgresql+psycopg://alice:{SECRET}@127.0.0.1:1/parsl")  # nothing listens
    with pytest.warns(RuntimeWarning, match="monitoring is off") as warned:
        hub.start(dfk)
    assert hub.error is not None and "alice:***@127.0.0.1:1/parsl" in str(hub.error)
    assert SECRET not in str(hub.error) + "".join(str(w.message) for w in warned) + caplog.text
    hub.close()
