"""The ``parsl-cwl`` command: output object on stdout, the CWL exit codes, ``--config``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import HTEX_CONFIG, INVALID_TOOL, parsl_cwl

ECHO = """
    cwlVersion: v1.2
    class: CommandLineTool
    baseCommand: echo
    inputs:
      message: {type: string, inputBinding: {position: 1}}
    stdout: said.txt
    outputs:
      said: stdout
    """


@pytest.mark.parametrize("config", [[], ["--config", str(HTEX_CONFIG)]], ids=["default-threads", "htex"])
def test_prints_the_output_object_and_exits_0(cwl, tmp_path: Path, config: list[str]) -> None:
    tool = cwl("echo.cwl", ECHO)
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"message": "hello"}))
    done = parsl_cwl(*config, "--outdir", str(tmp_path / "out"), "--quiet", str(tool), str(job), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)["said"]
    assert said["path"] == str(tmp_path / "out" / "said.txt")
    assert Path(said["path"]).read_text() == "hello\n"


def test_a_failing_tool_exits_non_zero_and_not_33(cwl, tmp_path: Path) -> None:
    tool = cwl("fails.cwl", """
        cwlVersion: v1.2
        class: CommandLineTool
        baseCommand: "false"
        inputs: []
        outputs: []
        """)
    done = parsl_cwl("--quiet", str(tool), cwd=tmp_path)
    assert done.returncode not in (0, 33)
    assert "permanentFail" in done.stderr


def test_an_invalid_document_names_file_line_and_field(cwl, tmp_path: Path) -> None:
    tool = cwl("bad.cwl", INVALID_TOOL)
    done = parsl_cwl("--quiet", str(tool), cwd=tmp_path)
    assert done.returncode == 1
    assert "bad.cwl:6:1" in done.stderr and "stdoutt" in done.stderr, done.stderr


def test_a_bad_config_file_names_the_key(cwl, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[[executors]]\ntype = "threads"\nmax_threds = 2\n')
    done = parsl_cwl("--config", str(config), str(cwl("echo.cwl", ECHO)), "--message", "x", cwd=tmp_path)
    assert done.returncode == 1
    assert str(config) in done.stderr and "max_threds" in done.stderr, done.stderr
