"""The scheduler-command runner: results, stderr, and timeouts that kill the whole command."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsl.providers.errors import SchedulerCommandTimeout
from parsl.providers.shell import execute_wait
from parsl.testing.processes import wait_until_gone


def test_result_unpacks_like_parsl_s_tuple() -> None:
    retcode, stdout, stderr = execute_wait("echo out; echo err >&2; exit 3", 10)
    assert (retcode, stdout, stderr) == (3, "out\n", "err\n")


def test_timeout_kills_the_command_and_its_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "child"
    with pytest.raises(SchedulerCommandTimeout) as info:
        execute_wait(f"echo partial-complaint >&2; sleep 300 & echo $! > {pidfile}; wait", 1)
    assert "cmd_timeout" in str(info.value) and "partial-complaint" in str(info.value)
    assert wait_until_gone([int(pidfile.read_text())], 10) == [], "the command's child outlived the timeout"
