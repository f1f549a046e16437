"""What a worker runs (``run_command``) and the resource requests sent with it."""

from __future__ import annotations

from pathlib import Path

import pytest

import parsl_cwl
from parsl_cwl.command import CommandSpec, run_command
from parsl_cwl.errors import CWLRunError
from parsl_cwl.resources import from_resources


def test_runs_argv_in_cwd_with_exactly_env_and_redirects(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("from stdin\n")
    spec = CommandSpec(argv=("sh", "-c", 'cat; echo "$ONLY $PWD"; echo oops >&2'), cwd=str(tmp_path),
                       env={"ONLY": "this", "PATH": "/usr/bin:/bin"}, stdin_path=str(tmp_path / "in.txt"),
                       stdout_path=str(tmp_path / "out.txt"), stderr_path=str(tmp_path / "err.txt"))
    result = run_command(spec)
    assert (result.returncode, result.timed_out, result.log) == (0, False, "")
    assert (tmp_path / "out.txt").read_text() == f"from stdin\nthis {tmp_path}\n"
    assert (tmp_path / "err.txt").read_text() == "oops\n"


def test_unredirected_output_comes_back_as_the_log(tmp_path: Path) -> None:
    result = run_command(CommandSpec(argv=("sh", "-c", "echo out; echo err >&2; exit 3"), cwd=str(tmp_path),
                                     env={"PATH": "/usr/bin:/bin"}))
    assert result.returncode == 3
    assert sorted(result.log.split()) == ["err", "out"]


def test_the_time_limit_terminates_the_process(tmp_path: Path) -> None:
    result = run_command(CommandSpec(argv=("sleep", "600"), cwd=str(tmp_path), env={"PATH": "/usr/bin:/bin"},
                                     timelimit=1))
    assert result.timed_out
    assert result.returncode == -15


def test_cwl_resources_map_to_parsl_names_and_units() -> None:
    assert from_resources({"cores": 2, "ram": 1000, "tmpdirSize": 100, "outdirSize": 200}) == {
        "cores": 2.0, "memory": 1049, "disk": 315}


RESOURCES = """
    cwlVersion: v1.2
    class: CommandLineTool
    requirements:
      ResourceRequirement: {coresMin: CORES}
    baseCommand: echo
    arguments: [$(runtime.cores)]
    stdout: cores.txt
    inputs: []
    outputs:
      cores: stdout
    """


def test_a_resource_request_no_htex_pool_can_meet_fails_naming_it(htex_dfk, cwl) -> None:
    with pytest.raises(CWLRunError) as failed:
        parsl_cwl.load(cwl("big.cwl", RESOURCES.replace("CORES", "64")))().result()
    assert "cores=64" in str(failed.value), failed.value.messages


def test_the_thread_pool_runs_the_tool_without_a_resource_request(threads_dfk, cwl) -> None:
    out = parsl_cwl.load(cwl("big.cwl", RESOURCES.replace("CORES", "64")))().result()
    assert Path(out["cores"].filepath).read_text() == "64\n"


def test_a_resource_request_htex_can_meet_is_sent_with_the_task(htex_dfk, cwl) -> None:
    out = parsl_cwl.load(cwl("one.cwl", RESOURCES.replace("CORES", "1")))().result()
    assert Path(out["cores"].filepath).read_text() == "1\n"
    [command] = [t for t in htex_dfk.tasks.values() if t["func_name"] == "run_command"]
    assert command["resource_specification"] == {"cores": 1.0, "memory": 269, "disk": 2148}
