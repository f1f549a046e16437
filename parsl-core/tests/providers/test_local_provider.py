"""LocalProvider: the conformance kit, plus process-group cleanup and Parsl's keywords."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsl.jobs.states import JobState
from parsl.launchers.launchers import SimpleLauncher, SingleNodeLauncher
from parsl.providers.local.local import LocalProvider
from parsl.testing.processes import wait_for, wait_until_gone
from parsl.testing.providers import ProviderConformance, wait_terminal


class TestLocalProviderConformance(ProviderConformance):
    state_timeout = 30.0
    poll_interval = 0.1

    @pytest.fixture
    def provider(self, tmp_path: Path) -> LocalProvider:
        p = LocalProvider()
        p.script_dir = str(tmp_path)
        return p

    @pytest.fixture
    def bad_submit(self, tmp_path: Path) -> tuple[LocalProvider, str]:
        not_a_dir = tmp_path / "file"
        not_a_dir.write_text("")
        p = LocalProvider()
        p.script_dir = str(not_a_dir)
        return p, "Unable to write submit script"


def test_keywords_and_defaults_are_parsl_s() -> None:
    p = LocalProvider()
    assert repr(p) == ("LocalProvider(nodes_per_block=1, launcher=SingleNodeLauncher(debug=True, fail_on_any=False), "
                       "init_blocks=1, min_blocks=0, max_blocks=1, worker_init='', cmd_timeout=30, parallelism=1)")
    assert p.label == "local" and p.status_polling_interval == 5
    assert LocalProvider(2, SimpleLauncher(), 0, 0, 4).max_blocks == 4


def test_a_launcher_that_is_not_a_launcher_is_refused() -> None:
    with pytest.raises(TypeError, match=r"LocalProvider\.launcher: expected Launcher"):
        LocalProvider(launcher=lambda *a: "x")  # type: ignore[arg-type]


def test_cancel_kills_every_process_of_the_block(tmp_path: Path) -> None:
    p = LocalProvider(launcher=SingleNodeLauncher(debug=False))
    p.script_dir = str(tmp_path)
    pidfile = tmp_path / "workers"
    # each worker ignores SIGTERM, so only the group-wide SIGKILL after the grace period stops it
    job = p.submit(f"trap '' TERM; echo $BASHPID >> {pidfile}; while true; do sleep 0.1; done", 2)
    wait_for(lambda: pidfile.exists() and len(pidfile.read_text().split()) == 2, 30, "both workers to start")
    workers = [int(x) for x in pidfile.read_text().split()]
    assert p.cancel([job]) == [True]
    assert wait_until_gone(workers, 10) == [], "workers survived cancel"
    assert p.status([job])[0].state == JobState.CANCELLED


def test_cancel_of_a_finished_or_cancelled_block_never_raises(tmp_path: Path) -> None:
    p = LocalProvider()
    p.script_dir = str(tmp_path)
    job = p.submit("true", 1)
    wait_terminal(p, job, 30, poll_interval=0.05)
    assert p.cancel([job]) == [False]
    running = p.submit("sleep 600", 1)
    assert p.cancel([running]) == [True]
    assert p.cancel([running]) == [False]


def test_status_carries_exit_code_and_output_paths(tmp_path: Path) -> None:
    p = LocalProvider(launcher=SimpleLauncher())
    p.script_dir = str(tmp_path)
    status = wait_terminal(p, p.submit("echo from-the-block; exit 4", 1), 30, poll_interval=0.05)
    assert status.state == JobState.FAILED and status.exit_code == 4
    assert status.stdout_path and status.stdout_path.startswith(str(tmp_path))
    assert "from-the-block" in (status.stdout_summary or "")
    assert status.stdout == "from-the-block\n" and status.stderr == ""


def test_worker_init_runs_before_the_command(tmp_path: Path) -> None:
    p = LocalProvider(launcher=SimpleLauncher(), worker_init="export GREETING=hello-from-init")
    p.script_dir = str(tmp_path)
    status = wait_terminal(p, p.submit('echo "$GREETING"', 1), 30, poll_interval=0.05)
    assert "hello-from-init" in (status.stdout_summary or "")
