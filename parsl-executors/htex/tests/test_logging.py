"""Where the interchange, worker pools and workers log: Parsl's file names, or the workflow's LogConfig."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import parsl
from parsl.logconfigs.file import FileLogging


@parsl.python_app
def rank() -> str:
    import os

    return os.environ["PARSL_WORKER_RANK"]


def _logs(dfk: Any) -> tuple[Path, Path, Path]:
    worker = rank().result()  # a task has run: the pool and a worker are up
    executor_dir = Path(dfk.run_dir) / "htex"
    (pool_dir,) = (executor_dir / "block-0").iterdir()
    return executor_dir / "interchange.log", pool_dir / "manager.log", pool_dir / f"worker_{worker}.log"


def test_each_process_writes_its_own_log(load: Callable[..., Any]) -> None:
    dfk = load()
    for log in _logs(dfk):
        assert log.read_text().strip(), f"{log} is empty"


def test_a_log_config_formats_every_process_log(load: Callable[..., Any]) -> None:
    token = "TOKEN-7f3a"
    dfk = load(initialize_logging=FileLogging(format_string=f"{token} %(name)s %(message)s"))
    logs = _logs(dfk)
    dfk.cleanup()
    for log in logs:
        lines = log.read_text().splitlines()
        assert lines and all(line.startswith(token) for line in lines), f"{log}: {lines[:3]}"
    assert "worker" in logs[2].read_text()
