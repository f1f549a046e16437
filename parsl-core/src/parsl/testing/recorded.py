"""Replay a scheduler's recorded command output, for providers whose scheduler cannot run in CI.

``recorded_scheduler`` (a pytest fixture; import it into a ``conftest.py``) puts stand-in
commands first on ``PATH``. Each prints the output recorded for it and logs its arguments, so a
test drives the real provider code (script rendering, submit, id parsing, status parsing,
cancel) against what the real ``qsub``/``bjobs``/``condor_q`` print::

    def test_submit(recorded_scheduler):
        recorded_scheduler.reply("qsub", stdout="1234.pbs01\\n")
        ...
        assert recorded_scheduler.calls("qsub") == [["-q", "debug", "/path/to/script"]]
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Iterator, List

import pytest


class RecordedScheduler:
    """Stand-in scheduler commands in ``bin_dir`` that replay recorded stdout, stderr and exit code."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        bin_dir.mkdir(parents=True, exist_ok=True)

    def reply(self, command: str, stdout: str = "", stderr: str = "", exit_code: int = 0) -> None:
        """From now on, ``command`` prints ``stdout`` and ``stderr`` and exits ``exit_code``."""
        (self.bin_dir / f"{command}.stdout").write_text(stdout)
        (self.bin_dir / f"{command}.stderr").write_text(stderr)
        script = self.bin_dir / command
        log = self.bin_dir / f"{command}.calls"
        script.write_text(
            "#!/bin/bash\n"
            f'printf "%q " "$@" >> {shlex.quote(str(log))}; echo >> {shlex.quote(str(log))}\n'
            f"cat {shlex.quote(str(self.bin_dir / f'{command}.stdout'))}\n"
            f"cat {shlex.quote(str(self.bin_dir / f'{command}.stderr'))} >&2\n"
            f"exit {exit_code}\n")
        script.chmod(0o755)

    def calls(self, command: str) -> List[List[str]]:
        """The argument lists ``command`` was run with, oldest first."""
        log = self.bin_dir / f"{command}.calls"
        return [shlex.split(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def recorded_scheduler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordedScheduler]:
    """A ``RecordedScheduler`` whose commands come first on ``PATH`` for the test."""
    scheduler = RecordedScheduler(tmp_path / "scheduler-bin")
    monkeypatch.setenv("PATH", f"{scheduler.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    yield scheduler


def read_recording(data_dir: Path, name: str) -> str:
    """The text of a recorded output file in a test's ``data`` directory."""
    return (data_dir / name).read_text()
