"""The one command runner: results, argument lists, stdin, and timeouts that kill the whole command."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import parsl.utils
from parsl.providers.errors import SchedulerCommandTimeout
from parsl.providers.shell import execute_wait
from parsl.testing.processes import wait_until_gone

AWKWARD = "it's a \"quoted\" $HOME `x` % \\ path"


def test_result_unpacks_like_parsl_s_tuple() -> None:
    retcode, stdout, stderr = execute_wait("echo out; echo err >&2; exit 3", 10)
    assert (retcode, stdout, stderr) == (3, "out\n", "err\n")


def test_an_argument_list_reaches_the_command_verbatim_without_a_shell() -> None:
    assert execute_wait(["printf", "%s|", AWKWARD, "two words"], 10).stdout == f"{AWKWARD}|two words|"


def test_stdin_path_feeds_the_file_to_the_command(tmp_path: Path) -> None:
    script = tmp_path / AWKWARD
    script.write_text("#BSUB -J x\n")
    assert execute_wait(["cat"], 10, stdin_path=str(script)).stdout == "#BSUB -J x\n"


def test_a_command_that_cannot_start_is_reported_like_a_shell_would(tmp_path: Path) -> None:
    missing = execute_wait(["no-such-scheduler-command", "x"], 10)
    assert missing.retcode == 127 and "no-such-scheduler-command" in missing.stderr
    not_executable = tmp_path / "qsub"
    not_executable.write_text("")
    assert execute_wait([str(not_executable)], 10).retcode == 126


def test_timeout_kills_the_command_and_its_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "child"
    with pytest.raises(SchedulerCommandTimeout) as info:
        # 5 s: time enough, even on a busy machine, for the shell to start its child and say so
        execute_wait(f"echo partial-complaint >&2; sleep 300 & echo $! > {pidfile}; wait", 5)
    assert "within 5 s" in str(info.value) and "partial-complaint" in str(info.value)
    assert wait_until_gone([int(pidfile.read_text())], 10) == [], "the command's child outlived the timeout"


def test_parsl_utils_execute_wait_is_the_same_function_with_parsl_s_timeout_exception(tmp_path: Path) -> None:
    assert parsl.utils.execute_wait is execute_wait
    pidfile = tmp_path / "child"
    with pytest.raises(subprocess.TimeoutExpired) as info:  # what code written against Parsl catches
        parsl.utils.execute_wait(f"sleep 300 & echo $! > {pidfile}; wait", walltime=5)
    assert info.value.timeout == 5
    assert wait_until_gone([int(pidfile.read_text())], 10) == [], "Parsl's contract left children running"
