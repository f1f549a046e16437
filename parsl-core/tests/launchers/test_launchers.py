"""Launchers: Parsl's keywords, and the shell they generate, run by bash.

The parallel starters (srun, mpiexec, mpirun, aprun, jsrun, GNU parallel) are not installed
here, so each test puts a recording stand-in on PATH: it logs its arguments and runs the
command file it was given once, which checks that the generated script writes the command where
the starter is told to find it. ``srun`` itself runs for real in the Slurm provider's suite.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from parsl.launchers import launchers as L

PARSL_SIGNATURES = {
    L.SimpleLauncher(): "SimpleLauncher(debug=True)",
    L.WrappedLauncher("time"): "WrappedLauncher(prepend='time', debug=True)",
    L.SingleNodeLauncher(): "SingleNodeLauncher(debug=True, fail_on_any=False)",
    L.GnuParallelLauncher(): "GnuParallelLauncher(debug=True)",
    L.MpiExecLauncher(): "MpiExecLauncher(debug=True, bind_cmd='--bind-to', overrides='')",
    L.MpiRunLauncher(): "MpiRunLauncher(debug=True, bash_location='/bin/bash', overrides='')",
    L.SrunLauncher(): "SrunLauncher(debug=True, overrides='')",
    L.SrunMPILauncher(): "SrunMPILauncher(debug=True, overrides='')",
    L.AprunLauncher(): "AprunLauncher(debug=True, overrides='')",
    L.JsrunLauncher(): "JsrunLauncher(debug=True, overrides='')",
}


@pytest.mark.parametrize("launcher", list(PARSL_SIGNATURES), ids=lambda la: type(la).__name__)
def test_keywords_order_and_defaults_are_parsl_s(launcher: L.Launcher) -> None:
    assert repr(launcher) == PARSL_SIGNATURES[launcher]


def test_keywords_are_type_checked() -> None:
    with pytest.raises(TypeError, match=r"SrunLauncher\.overrides"):
        L.SrunLauncher(overrides=3)  # type: ignore[arg-type]


def _run(script: str, tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "JOBNAME": "job", "SLURM_JOB_NAME": "job", **(env or {})})


def test_simple_and_wrapped_launchers_run_the_command_once() -> None:
    assert L.SimpleLauncher()("worker --x", 4, 1) == "worker --x"
    assert L.WrappedLauncher("docker run img")("worker", 1, 1) == "docker run img worker"


def test_wrapped_launcher_warns_about_each_ignored_count(caplog: pytest.LogCaptureFixture) -> None:
    L.WrappedLauncher("docker run img")("worker", 2, 1)
    assert "2 tasks per node" in caplog.text and "nodes per block" not in caplog.text
    caplog.clear()
    L.WrappedLauncher("docker run img")("worker", 1, 3)
    assert "3 nodes per block" in caplog.text and "tasks per node" not in caplog.text


@pytest.mark.parametrize("fail_on_any,exit_code", [(False, 0), (True, 1)])
def test_single_node_launcher_runs_every_copy_and_reports_failures(tmp_path: Path, fail_on_any: bool,
                                                                  exit_code: int) -> None:
    script = L.SingleNodeLauncher(debug=False, fail_on_any=fail_on_any)(
        'echo "copy $1" >> copies; [ "$1" != 2 ]', 2, 2)
    result = _run(script, tmp_path)
    assert sorted((tmp_path / "copies").read_text().splitlines()) == ["copy 1", "copy 2", "copy 3", "copy 4"]
    assert result.returncode == exit_code, result.stderr


def test_single_node_launcher_fails_when_every_copy_fails(tmp_path: Path) -> None:
    result = _run(L.SingleNodeLauncher(debug=False)("exit 5", 2, 1), tmp_path)
    assert result.returncode == 1


@pytest.fixture
def starters(tmp_path: Path) -> Path:
    """A bin directory whose srun/mpiexec/... log their arguments and run the command file once."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "stand-in"
    stand_in.write_text(
        '#!/bin/bash\n'
        'echo "$(basename "$0") $*" >> "$STARTER_LOG"\n'
        'if [ "$(basename "$0")" = parallel ]; then while read -r line; do $line; done; exit; fi\n'
        'for last; do :; done\n'
        'bash "$last"\n')
    stand_in.chmod(0o755)
    for name in ("srun", "mpiexec", "mpirun", "aprun", "jsrun", "parallel"):
        (bin_dir / name).symlink_to(stand_in)
    return bin_dir


CASES = [
    (L.SrunLauncher(overrides="--mpi=none"), "srun --ntasks 6 -l --mpi=none bash {dir}/cmd_job.sh"),
    (L.MpiExecLauncher(overrides="-v"),
     "mpiexec --bind-to none -v -n 6 --hostfile job.nodes /usr/bin/sh {dir}/cmd_job.sh"),
    (L.MpiRunLauncher(), "mpirun -np 6 /bin/bash {dir}/cmd_job.sh"),
    (L.AprunLauncher(overrides="-cc none"), "aprun -n 6 -N 3 -cc none /bin/bash {dir}/cmd_job.sh"),
    (L.JsrunLauncher(), "jsrun -n 6 -r 3 /bin/bash {dir}/cmd_job.sh"),
    (L.GnuParallelLauncher(), "parallel --env _ --joblog job.sh.parallel.log --sshloginfile job.nodes --jobs 3"),
]


@pytest.mark.parametrize("launcher,expected", CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_starter_launchers_hand_the_command_file_to_the_starter(tmp_path: Path, starters: Path,
                                                                launcher: L.Launcher, expected: str) -> None:
    script_dir = tmp_path / "scripts"
    script_dir.mkdir()
    log = tmp_path / "starter.log"
    script = launcher("echo ran-$JOBNAME >> ran", 3, 2, str(script_dir))
    result = _run(script, tmp_path, {"PATH": f"{starters}:{os.environ['PATH']}", "STARTER_LOG": str(log),
                                     "SLURM_CPUS_ON_NODE": "2", "SLURM_JOB_NUM_NODES": "2"})
    assert result.returncode == 0, result.stderr
    assert log.read_text().split("\n")[0].split() == expected.format(dir=script_dir).split()
    assert (script_dir / "cmd_job.sh").read_text().strip() == "echo ran-$JOBNAME >> ran"  # verbatim
    assert "ran-job" in (tmp_path / "ran").read_text()


def test_srun_mpi_launcher_starts_one_step_per_copy(tmp_path: Path, starters: Path) -> None:
    log = tmp_path / "starter.log"
    script = L.SrunMPILauncher(debug=False)("true", 2, 1, "")
    result = _run(script, tmp_path, {"PATH": f"{starters}:{os.environ['PATH']}", "STARTER_LOG": str(log),
                                     "SLURM_CPUS_ON_NODE": "4", "SLURM_JOB_NUM_NODES": "1"})
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == ["srun --ntasks 2 -l bash cmd_job.sh"] * 2


def test_a_missing_script_dir_falls_back_to_the_working_directory(tmp_path: Path, starters: Path) -> None:
    script = L.MpiRunLauncher(debug=False)("true", 1, 1, "/no/such/dir")
    result = _run(script, tmp_path, {"PATH": f"{starters}:{os.environ['PATH']}",
                                     "STARTER_LOG": str(tmp_path / "log")})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cmd_job.sh").exists()


def test_a_script_dir_with_shell_characters_is_used_as_is(tmp_path: Path, starters: Path) -> None:
    script_dir = tmp_path / 'a b "q" $HOME `x` \\z'
    script_dir.mkdir()
    script = L.MpiRunLauncher(debug=False)("true", 1, 1, str(script_dir))
    result = _run(script, tmp_path, {"PATH": f"{starters}:{os.environ['PATH']}",
                                     "STARTER_LOG": str(tmp_path / "log")})
    assert result.returncode == 0, result.stderr
    assert (script_dir / "cmd_job.sh").exists()
