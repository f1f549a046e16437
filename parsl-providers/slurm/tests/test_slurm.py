"""SlurmProvider against a real Slurm 22.05 (slurmctld + slurmd on this host)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsl.jobs.job_status_poller import JobStatusPoller
from parsl.jobs.states import JobState
from parsl.launchers.launchers import SrunLauncher
from parsl.providers.errors import SubmitException
from parsl.providers.scripts import JobFiles
from parsl.providers.shell import execute_wait
from parsl.testing.blocks import CommandBlockExecutor
from parsl.testing.processes import wait_for
from parsl.testing.providers import LONG_COMMAND, ClusterProviderConformance, wait_terminal
from parsl_provider_slurm.slurm import SlurmProvider


def make_provider(tmp_path: Path, **kwargs: object) -> SlurmProvider:
    options = {"exclusive": False, "walltime": "00:05:00", "cmd_timeout": 30, **kwargs}
    provider = SlurmProvider(**options)  # type: ignore[arg-type]
    provider.script_dir = str(tmp_path)
    return provider


def in_squeue(job_ids: list[str]) -> list[str]:
    """Our jobs that squeue still lists as pending or running."""
    result = execute_wait(f"squeue --noheader --format=%i --jobs={','.join(job_ids)}", 30)
    return result.stdout.split()


@pytest.mark.slurm
class TestSlurmConformance(ClusterProviderConformance):
    cancel_behind_our_back = "scancel {job_id}"

    @pytest.fixture
    def provider(self, tmp_path: Path) -> SlurmProvider:
        return make_provider(tmp_path)

    @pytest.fixture
    def bad_submit(self, tmp_path: Path) -> tuple[SlurmProvider, str]:
        return make_provider(tmp_path, partition="no-such-partition"), "invalid partition"


@pytest.mark.slurm
def test_walltime_expiry_is_reported_as_timeout(walltime_job: tuple[SlurmProvider, str]) -> None:
    provider, job_id = walltime_job  # submitted before the first test
    status = wait_terminal(provider, job_id, 300, poll_interval=2)
    assert status.state == JobState.TIMEOUT, status
    assert "DUE TO TIME LIMIT" in (status.stderr_summary or ""), status.stderr_summary


@pytest.mark.slurm
@pytest.mark.parametrize("settings,reason", [
    ({"constraint": "no-such-feature"}, "Invalid feature specification"),
    ({"mem_per_node": 999999}, "Memory specification can not be satisfied"),
    ({"gres": "no-such-gres:1"}, "Invalid generic resource"),
])
def test_a_request_slurm_refuses_fails_with_sbatch_s_reason(tmp_path: Path, settings: dict, reason: str) -> None:
    provider = make_provider(tmp_path, **settings)
    with pytest.raises(SubmitException) as info:
        provider.submit("true", 1, "parsl.refused")
    assert reason in str(info.value) and reason in (info.value.stderr or "")
    assert info.value.retcode == 1


@pytest.mark.slurm
def test_srun_launcher_runs_every_task_inside_the_job(tmp_path: Path) -> None:
    provider = make_provider(tmp_path, launcher=SrunLauncher())
    job_id = provider.submit('echo "task $SLURM_PROCID of job $SLURM_JOB_ID"', 2, "parsl.srun")
    status = wait_terminal(provider, job_id, 120)
    assert status.state == JobState.COMPLETED, (status, status.stderr_summary)
    lines = sorted(line for line in (status.stdout_summary or "").splitlines() if "task" in line)
    assert lines == [f"0: task 0 of job {job_id}", f"1: task 1 of job {job_id}"]


#: A run directory as users make them: spaces, both quotes, a shell variable, a %-pattern, a backslash.
AWKWARD_RUN_DIR = "my runs/it's a \"test\" $HOME 100%j \\ done"


@pytest.mark.slurm
def test_a_run_dir_with_spaces_and_quotes_submits_runs_and_reports_its_output(tmp_path: Path) -> None:
    script_dir = tmp_path / AWKWARD_RUN_DIR / "submit_scripts"
    provider = make_provider(script_dir, launcher=SrunLauncher())
    job_id = provider.submit('echo "out of $SLURM_JOB_ID"; echo "err of $SLURM_JOB_ID" >&2', 1, "parsl.awkward")
    status = wait_terminal(provider, job_id, 120)
    assert status.state == JobState.COMPLETED, (status, status.stderr_summary)
    assert Path(status.stdout_path or "").parent == script_dir
    assert f"out of {job_id}" in (status.stdout_summary or "") and f"err of {job_id}" in (status.stderr_summary or "")
    assert list(script_dir.glob("cmd_parsl.awkward*.sh")), "srun's command file was not written in script_dir"
    long_job = provider.submit(LONG_COMMAND, 1, "parsl.awkward.cancel")
    assert provider.cancel([long_job]) == [True]
    assert in_squeue([long_job]) in ([], [long_job])  # squeue may still show it while it is killed


@pytest.mark.slurm
def test_a_job_that_cannot_start_is_failed_with_slurm_s_reason(tmp_path: Path) -> None:
    provider = make_provider(tmp_path, scheduler_options="#SBATCH --output=/no/such/dir/out")
    job_id = provider.submit("true", 1, "parsl.cannot.start")
    status = wait_terminal(provider, job_id, 120)
    assert status.state == JobState.FAILED and "JobLaunchFailure" in (status.message or ""), status


@pytest.mark.slurm
def test_a_job_squeue_forgot_is_missing_not_waited_on(tmp_path: Path) -> None:
    provider = make_provider(tmp_path)
    (status,) = provider.status(["4242424"])
    assert status.state == JobState.MISSING and "squeue" in (status.message or "")


@pytest.mark.slurm
def test_cleanup_leaves_no_job_in_squeue(tmp_path: Path) -> None:
    provider = make_provider(tmp_path, init_blocks=1, max_blocks=3)
    provider.polling_interval = 1
    executor = CommandBlockExecutor(provider=provider, launch_command=LONG_COMMAND)
    poller = JobStatusPoller(strategy="simple", strategy_period=0.2, max_idletime=3600)
    try:
        poller.add_executors([executor])
        executor.load = 3
        wait_for(lambda: len(executor.blocks_to_job_id) >= 3, 60, "the strategy to start 3 blocks")
        job_ids = [str(j) for j in executor.blocks_to_job_id.values()]
        assert sorted(in_squeue(job_ids)) == sorted(job_ids)
    finally:
        poller.close()
    assert in_squeue(job_ids) == []


def test_job_script_carries_every_setting(tmp_path: Path) -> None:
    provider = SlurmProvider(partition="debug", account="proj", qos="high", constraint="gpu", clusters="c1",
                             nodes_per_block=2, cores_per_node=8, mem_per_node=16, gpus_per_node=1, gres="tmp:1",
                             walltime="01:00:00", scheduler_options="#SBATCH --mail-type=END",
                             worker_init="module load x")
    files = provider._job_config("worker", 4, JobFiles("s", "o", "e"))
    options = files["scheduler_options"].splitlines()
    assert options == ["#SBATCH --mail-type=END", "#SBATCH --exclusive", "#SBATCH --partition=debug",
                       "#SBATCH --account=proj", "#SBATCH --qos=high", "#SBATCH --constraint=gpu",
                       "#SBATCH --clusters=c1", "#SBATCH --gpus-per-node=1", "#SBATCH --gres=tmp:1",
                       "#SBATCH --mem=16g", "#SBATCH --cpus-per-task=2"]
    assert files["worker_init"].splitlines() == ["module load x", "export PARSL_MEMORY_GB=16", "export PARSL_CORES=2"]
    assert provider._command("scancel {clusters} {job_ids}", job_ids=["7"]) == ["scancel", "--clusters=c1", "7"]


def test_keywords_order_and_defaults_are_parsl_s() -> None:
    assert repr(SlurmProvider()) == (
        "SlurmProvider(partition=None, account=None, qos=None, constraint=None, clusters=None, nodes_per_block=1, "
        "cores_per_node=None, mem_per_node=None, gpus_per_node=None, gres=None, init_blocks=1, min_blocks=0, "
        "max_blocks=1, parallelism=1, walltime='00:10:00', scheduler_options='', "
        "regex_job_id='Submitted batch job (?P<id>\\\\S*)', worker_init='', cmd_timeout=10, status_batch_size=50, "
        "exclusive=True, launcher=SingleNodeLauncher(debug=True, fail_on_any=False)"
        ", channel=LocalChannel(script_dir=None))")  # keyword-only: every ClusterProvider's
    assert SlurmProvider().status_polling_interval == 60 and SlurmProvider().label == "slurm"


def test_parsl_import_paths_and_name_resolve_to_the_plugin() -> None:
    from parsl.plugins.manager import get_plugin_manager
    from parsl.providers.slurm.slurm import SlurmProvider as ByParslPath

    assert ByParslPath.__name__ == "SlurmProvider"
    assert get_plugin_manager().find("provider", "slurm") is SlurmProvider
