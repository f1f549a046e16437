"""``parsl.monitoring.visualization.app.cli_run`` (Parsl's ``parsl-visualize`` entry) runs our dashboard command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUN = "from parsl.monitoring.visualization.app import cli_run; cli_run()"


def test_cli_run_takes_parsls_arguments() -> None:
    done = subprocess.run([sys.executable, "-c", RUN, "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for option in ("db_path", "--port", "--debug", "--listen"):
        assert option in done.stdout


def test_cli_run_reports_a_missing_database_and_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "monitoring.db"
    done = subprocess.run([sys.executable, "-c", RUN, str(missing)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"parsl-visualize: {missing} does not exist" in done.stderr
