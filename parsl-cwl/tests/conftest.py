"""Fixtures: a DataFlowKernel on local threads or on a real local HTEX, and CWL documents written
by the tests themselves (the conformance suite is never copied here)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable, Iterator

import pytest

import parsl
from parsl.config import Config
from parsl.executors.threads import ThreadPoolExecutor

HERE = Path(__file__).resolve().parent
HTEX_CONFIG = HERE.parent / "conformance" / "htex.toml"

#: A tool with a misspelt field on line 6 (``stdoutt``).
INVALID_TOOL = """
    cwlVersion: v1.2
    class: CommandLineTool
    baseCommand: echo
    inputs: []
    outputs: []
    stdoutt: out.txt
    """


@pytest.fixture
def threads_dfk(tmp_path: Path) -> Iterator[parsl.DataFlowKernel]:
    config = Config(executors=[ThreadPoolExecutor(label="threads", max_threads=4)], run_dir=str(tmp_path / "runinfo"),
                    garbage_collect=False)  # tests look at the task records
    with parsl.load(config) as dfk:
        yield dfk


@pytest.fixture
def htex_dfk(tmp_path: Path) -> Iterator[parsl.DataFlowKernel]:
    config = parsl.config.load_config_file(str(HTEX_CONFIG))
    config.run_dir = str(tmp_path / "runinfo")
    config.garbage_collect = False
    # apps defined in a test module are pickled by reference to it: workers import it from here
    config.executors[0].provider.worker_init = f"export PYTHONPATH={HERE}${{PYTHONPATH:+:$PYTHONPATH}}"
    with parsl.load(config) as dfk:
        yield dfk


@pytest.fixture(params=["threads", "htex"])
def dfk(request: pytest.FixtureRequest) -> parsl.DataFlowKernel:
    """The same test on local threads and on HTEX."""
    return request.getfixturevalue(f"{request.param}_dfk")


@pytest.fixture
def cwl(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a CWL document (dedented YAML) as ``tmp_path/name``; return its path."""
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip())
        return path
    return write


def parsl_cwl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``parsl-cwl`` command installed beside this interpreter."""
    command = Path(sys.executable).with_name("parsl-cwl")
    return subprocess.run([str(command), *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


def run_past_time_limit(write_cwl: Callable[[str, str], Path], seconds: int, command: str, *,
                        requirement: str = "") -> None:
    """Run a tool whose ``command`` outlives its ToolTimeLimit of ``seconds`` (with ``requirement``
    beside it, a line such as a DockerRequirement); check that the limit ended it, and said so."""
    import parsl_cwl
    from parsl_cwl.errors import CWLRunError

    tool = write_cwl("sleeps.cwl", f"""
        cwlVersion: v1.2
        class: CommandLineTool
        requirements:
          ToolTimeLimit: {{timelimit: {seconds}}}
          {requirement}
        baseCommand: {command}
        inputs: []
        outputs: []
        """)
    with pytest.raises(CWLRunError) as failed:
        parsl_cwl.load(tool)().result()
    assert any(f"time limit of {seconds} seconds" in m for m in failed.value.messages), failed.value.messages
