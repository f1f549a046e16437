"""GridEngineProvider against a real (Son of) Grid Engine 8.1.9 cell on this host."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsl.jobs.states import JobState, JobStatus
from parsl.providers.errors import JobPathError
from parsl.providers.shell import CommandResult, execute_wait
from parsl.testing.providers import LONG_COMMAND, ClusterProviderConformance, wait_terminal
from parsl_provider_gridengine.grid_engine import GridEngineProvider, _accounted_status


def make_provider(tmp_path: Path, **kwargs: object) -> GridEngineProvider:
    provider = GridEngineProvider(**{"cmd_timeout": 30, **kwargs})  # type: ignore[arg-type]
    provider.script_dir = str(tmp_path)
    return provider


@pytest.mark.gridengine
class TestGridEngineConformance(ClusterProviderConformance):
    cancel_behind_our_back = "qdel {job_id}"
    state_timeout = 180.0

    @pytest.fixture
    def provider(self, tmp_path: Path) -> GridEngineProvider:
        return make_provider(tmp_path)

    @pytest.fixture
    def bad_submit(self, tmp_path: Path) -> tuple[GridEngineProvider, str]:
        return make_provider(tmp_path, queue="no.such.q"), "no.such.q"


@pytest.mark.gridengine
def test_a_run_dir_with_spaces_a_colon_and_a_backslash_submits_runs_and_reports_its_output(tmp_path: Path) -> None:
    script_dir = tmp_path / "my runs/10:30 $dollar \\ done" / "submit_scripts"
    provider = make_provider(script_dir)
    job_id = provider.submit('echo "out of $JOB_ID"; echo "err of $JOB_ID" >&2', 1, "parsl.awkward")
    status = wait_terminal(provider, job_id, 180, poll_interval=1)
    assert status.state == JobState.COMPLETED, (status, status.message)
    assert Path(status.stdout_path or "").parent == script_dir
    assert f"out of {job_id}" in (status.stdout_summary or "") and f"err of {job_id}" in (status.stderr_summary or "")


@pytest.mark.parametrize("name,reason", [("it's", "strip quotes"), ('a "b"', "strip quotes"),
                                         ("$HOME", r"expand \$HOME"), ("x$JOB_ID", r"expand \$JOB_ID")])
def test_a_run_dir_grid_engine_would_misread_is_refused_before_qsub(tmp_path: Path, name: str, reason: str) -> None:
    provider = make_provider(tmp_path / name)
    with pytest.raises(JobPathError, match=f"grid_engine cannot take the path .*{reason}"):
        provider.submit("true", 1, "parsl.refused")
    assert not list((tmp_path / name).glob("*.submit")), "a script was written although it cannot be submitted"


@pytest.mark.gridengine
def test_walltime_expiry_is_reported_as_timeout(tmp_path: Path) -> None:
    provider = make_provider(tmp_path, walltime="00:00:05")
    job_id = provider.submit(LONG_COMMAND, 1, "parsl.walltime")
    status = wait_terminal(provider, job_id, 180, poll_interval=1)
    assert status.state == JobState.TIMEOUT, status
    assert "h_rt" in (status.message or "")


@pytest.mark.gridengine
def test_a_job_that_cannot_start_fails_with_the_reason_and_leaves_the_queue(tmp_path: Path) -> None:
    provider = make_provider(tmp_path, scheduler_options="#$ -o /no/such/dir/out")
    job_id = provider.submit("true", 1, "parsl.cannot.start")
    status = wait_terminal(provider, job_id, 60, poll_interval=1)
    assert status.state == JobState.FAILED
    assert "can't open output file" in (status.message or ""), status.message
    assert job_id not in execute_wait("qstat", 30).stdout.split()


@pytest.mark.gridengine
def test_failed_job_reports_exit_code(tmp_path: Path) -> None:
    from parsl.launchers.launchers import SimpleLauncher

    provider = make_provider(tmp_path, launcher=SimpleLauncher())
    status = wait_terminal(provider, provider.submit("exit 9", 1, "parsl.exit9"), 180, poll_interval=1)
    assert (status.state, status.exit_code) == (JobState.FAILED, 9)


# qacct -j records as Son of Grid Engine 8.1.9 prints them (trimmed to the fields read), captured here
QACCT_TIMEOUT = ("jobname sleep\nfailed       37  : qmaster enforced h_rt, h_cpu, or h_vmem limit\n"
                 "exit_status  137                  (Killed)\n")
QACCT_QDEL = "jobname sleep\nfailed       100 : assumedly after job\nexit_status  137                  (Killed)\n"
QACCT_OK = "jobname sh\nfailed       0    \nexit_status  0                   \n"


@pytest.mark.parametrize("record,state,code", [(QACCT_TIMEOUT, JobState.TIMEOUT, 137),
                                               (QACCT_QDEL, JobState.CANCELLED, 137),
                                               (QACCT_OK, JobState.COMPLETED, 0)])
def test_accounting_records_map_to_final_states(record: str, state: JobState, code: int) -> None:
    status = _accounted_status("7", record)
    assert (status.state, status.exit_code) == (state, code)


def test_keywords_order_and_defaults_are_parsl_s() -> None:
    assert repr(GridEngineProvider()) == (
        "GridEngineProvider(nodes_per_block=1, init_blocks=1, min_blocks=0, max_blocks=1, parallelism=1, "
        "walltime='00:10:00', scheduler_options='', worker_init='', "
        "launcher=SingleNodeLauncher(debug=True, fail_on_any=False), cmd_timeout=60, queue=None"
        ", channel=LocalChannel(script_dir=None))")  # keyword-only: every ClusterProvider's
    assert GridEngineProvider().label == "grid_engine"


def test_parsl_import_path_resolves_to_the_plugin() -> None:
    from parsl.plugins.manager import get_plugin_manager
    from parsl.providers.grid_engine.grid_engine import GridEngineProvider as ByParslPath

    assert ByParslPath.__name__ == "GridEngineProvider"
    assert get_plugin_manager().find("provider", "gridengine") is GridEngineProvider


def test_a_job_qacct_does_not_know_yet_keeps_its_last_status_for_the_grace_period(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = make_provider(tmp_path)
    provider.resources["7"] = {"job_id": "7", "status": JobStatus(JobState.RUNNING),
                               "job_stdout_path": str(tmp_path / "7.out"), "job_stderr_path": str(tmp_path / "7.err")}
    monkeypatch.setattr(provider, "execute_wait", lambda cmd, timeout=None, stdin_path=None:
                        CommandResult(1, "", "error: job id 7 not found"))
    assert provider._finished_status("7").state == JobState.RUNNING
    monkeypatch.setattr(GridEngineProvider, "accounting_grace", 0)
    assert provider._finished_status("7").state == JobState.MISSING
