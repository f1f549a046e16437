"""``parsl-perf`` (``parsl.benchmark.perf``): Parsl's arguments and output, run as the console script."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import parsl

PARSL_PERF = Path(sys.executable).parent / "parsl-perf"

THREADS_CONFIG = """
from parsl.config import Config
from parsl.executors import ThreadPoolExecutor
config = Config(executors=[ThreadPoolExecutor(max_threads=2)])
"""


def perf(tmp_path: Path, *args: str, config: str = THREADS_CONFIG) -> subprocess.CompletedProcess[str]:
    (tmp_path / "cfg.py").write_text(config)
    return subprocess.run([str(PARSL_PERF), "--config", "cfg.py", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)


def sizes(out: str) -> list[int]:
    return [int(n) for n in re.findall(r"^Will run (\d+) tasks$", out, re.M)]


def test_explicit_sizes_run_in_order_and_report_rates(tmp_path: Path) -> None:
    result = perf(tmp_path, "--iterate", "5,20,3", "--argsize", "1000", "--resources", "{}")
    assert result.returncode == 0, result.stderr
    assert sizes(result.stdout) == [5, 20, 3]
    rates = [float(r) for r in re.findall(r"^Tasks per second: ([\d.]+)$", result.stdout, re.M)]
    assert len(rates) == 3 and all(r > 0 for r in rates)
    assert result.stdout.rstrip().endswith("Tests complete - leaving DFK block\nThe end")


def test_exponential_doubles_until_the_target_time(tmp_path: Path) -> None:
    result = perf(tmp_path, "--iterate", "exponential", "--time", "0.5")
    assert result.returncode == 0, result.stderr
    runs = sizes(result.stdout)
    assert len(runs) >= 2 and runs == [10 * 2**i for i in range(len(runs))]


def test_estimate_runs_at_least_two_iterations_and_stops(tmp_path: Path) -> None:
    result = perf(tmp_path, "--time", "0.2")
    assert result.returncode == 0, result.stderr
    runs = sizes(result.stdout)
    assert runs[0] == 10 and len(runs) >= 2


def test_fresh_config_function_is_accepted(tmp_path: Path) -> None:
    config = THREADS_CONFIG.replace("config = ", "def fresh_config():\n    return ")
    result = perf(tmp_path, "--iterate", "4", config=config)
    assert result.returncode == 0, result.stderr
    assert sizes(result.stdout) == [4]


def test_version_names_parsl() -> None:
    result = subprocess.run([str(PARSL_PERF), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == f"parsl-perf from Parsl {parsl.__version__}"


@pytest.mark.parametrize(("args", "message"), [
    (["--iterate", "0,5"], "invalid iteration mode '0,5'"),
    (["--iterate", "fast"], "invalid iteration mode 'fast'"),
    (["--resources", "{'cores': "], "--resources \"{'cores': \" is not a Python dict literal"),
    (["--resources", "[1]"], "is a list, not a dict"),
    (["--time", "soon"], "argument --time: invalid float value: 'soon'"),
])
def test_bad_arguments_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = perf(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_config_file_without_a_config_is_a_clear_error(tmp_path: Path) -> None:
    result = perf(tmp_path, "--iterate", "3", config="x = 1\n")
    assert result.returncode == 1
    assert "--config cfg.py: the file defines neither 'config' nor 'fresh_config'" in result.stderr
