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
from typing import Any, Iterator, List, Mapping, Sequence, Tuple

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
            f'{{ [ $# -eq 0 ] || printf "%q " "$@"; echo; }} >> {shlex.quote(str(log))}\n'
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


class RecordedProviderConformance:
    """Tests a ``ClusterProvider`` plugin against its scheduler's recorded outputs.

    A subclass names the scheduler commands, gives the recorded outputs (usually read from its
    ``tests/data``) and defines ``make_provider(script_dir)``. Each status recording is
    ``(stdout, {job_id: expected JobState})``. ``unsupported_run_dir`` is a directory name whose
    path the scheduler's job-script syntax cannot take (by default one with a space).
    """

    unsupported_run_dir: str = "my runs"

    submit_cmd: str
    status_cmd: str
    cancel_cmd: str
    submit_stdout: str
    expected_job_id: str
    bad_submit: Tuple[str, int]            # (stderr, exit code) of a refused submission
    unknown_job: Tuple[str, int]           # (stderr, exit code) of status asked about a gone job
    unknown_job_id: str
    status_recordings: Sequence[Tuple[str, Mapping[str, Any]]]

    def make_provider(self, script_dir: str) -> Any:
        raise NotImplementedError

    def test_submit_renders_the_script_and_parses_the_job_id(self, recorded_scheduler: RecordedScheduler,
                                                             tmp_path: Path) -> None:
        provider = self.make_provider(str(tmp_path))
        recorded_scheduler.reply(self.submit_cmd, stdout=self.submit_stdout)
        job_id = provider.submit("worker --block 7", 1, "parsl.recorded")
        assert job_id == self.expected_job_id
        (args,) = recorded_scheduler.calls(self.submit_cmd)
        scripts = [a for a in args if a.startswith(str(tmp_path))]
        assert scripts, f"{self.submit_cmd} was not given the job script: {args}"
        text = "".join(Path(s).read_text() for s in Path(scripts[0]).parent.glob("parsl.recorded*"))
        assert "worker --block 7" in text and "parsl.recorded" in text
        assert provider.resources[job_id]["status"].state.name == "PENDING"

    def test_a_run_dir_the_script_syntax_cannot_take_is_refused_before_submitting(
            self, recorded_scheduler: RecordedScheduler, tmp_path: Path) -> None:
        from parsl.providers.errors import JobPathError

        recorded_scheduler.reply(self.submit_cmd, stdout=self.submit_stdout)
        provider = self.make_provider(str(tmp_path / self.unsupported_run_dir))
        with pytest.raises(JobPathError, match=f"cannot take the path '{tmp_path / self.unsupported_run_dir}"):
            provider.submit("worker", 1, "parsl.recorded")
        assert recorded_scheduler.calls(self.submit_cmd) == []

    def test_status_translates_the_recorded_states(self, recorded_scheduler: RecordedScheduler,
                                                   tmp_path: Path) -> None:
        for stdout, expected in self.status_recordings:
            provider = self.make_provider(str(tmp_path))
            recorded_scheduler.reply(self.status_cmd, stdout=stdout)
            ids = list(expected)
            got = {j: s.state for j, s in zip(ids, provider.status(ids))}
            assert got == dict(expected), stdout

    def test_a_refused_submission_raises_with_the_scheduler_s_stderr(self, recorded_scheduler: RecordedScheduler,
                                                                     tmp_path: Path) -> None:
        from parsl.providers.errors import SubmitException

        stderr, code = self.bad_submit
        recorded_scheduler.reply(self.submit_cmd, stderr=stderr, exit_code=code)
        with pytest.raises(SubmitException) as info:
            self.make_provider(str(tmp_path)).submit("true", 1, "parsl.refused")
        assert info.value.retcode == code and stderr.strip() in str(info.value)

    def test_a_job_the_scheduler_forgot_is_missing(self, recorded_scheduler: RecordedScheduler,
                                                   tmp_path: Path) -> None:
        stderr, code = self.unknown_job
        recorded_scheduler.reply(self.status_cmd, stderr=stderr, exit_code=code)
        (status,) = self.make_provider(str(tmp_path)).status([self.unknown_job_id])
        assert status.state.name == "MISSING", status

    def test_scheduler_trouble_keeps_the_last_known_state(self, recorded_scheduler: RecordedScheduler,
                                                          tmp_path: Path) -> None:
        provider = self.make_provider(str(tmp_path))
        recorded_scheduler.reply(self.submit_cmd, stdout=self.submit_stdout)
        job_id = provider.submit("true", 1, "parsl.recorded")
        recorded_scheduler.reply(self.status_cmd, stderr="cannot connect to server", exit_code=2)
        assert provider.status([job_id])[0].state.name == "PENDING"

    def test_cancel_runs_the_scheduler_s_cancel_command(self, recorded_scheduler: RecordedScheduler,
                                                        tmp_path: Path) -> None:
        provider = self.make_provider(str(tmp_path))
        recorded_scheduler.reply(self.cancel_cmd)
        ids = list(self.status_recordings[0][1])[:2]
        assert provider.cancel(ids) == [True] * len(ids)
        assert recorded_scheduler.calls(self.cancel_cmd)[-1][-len(ids):] == ids
        recorded_scheduler.reply(self.cancel_cmd, stderr="permission denied", exit_code=1)
        assert provider.cancel(ids) == [False] * len(ids)
