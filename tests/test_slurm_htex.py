"""HighThroughputExecutor on real Slurm, configured from TOML by plugin name: htex + slurm + srun.

Needs the single-node cluster of ``.ci/services/slurm.sh start``; fails (does not skip) without
it. Tasks report the Slurm job they ran in; the strategy scales out to ``max_blocks`` under load,
scales in after ``max_idletime``, and after ``cleanup()`` no job of ours is left in ``squeue``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import parsl
from parsl import python_app
from parsl.config import load_config_file
from parsl.jobs.states import JobState
from parsl.testing.processes import wait_for
from parsl.testing.providers import require_service

CONFIG = """
strategy = "simple"
strategy_period = 0.5
max_idletime = 4
run_dir = "{run_dir}"

[[executors]]
type = "htex"
label = "slurm_htex"
max_workers_per_node = 1

[executors.provider]
type = "slurm"
exclusive = false
init_blocks = 1
min_blocks = 0
max_blocks = 2
walltime = "00:10:00"
# workers import this module: the apps are pickled by reference
worker_init = "export PATH={bin_dir}:$PATH PYTHONPATH={tests_dir}:$PYTHONPATH"

[executors.provider.launcher]
type = "srun"
"""


@python_app
def where(seconds: float) -> tuple[str, str]:
    import os
    import time

    time.sleep(seconds)
    return os.environ["SLURM_JOB_ID"], os.environ.get("SLURM_PROCID", "")


def ours_in_squeue(job_ids: list[str], states: str = "all") -> list[str]:
    """``id:state`` of our jobs that squeue lists (by default in any state but finished)."""
    command = ["squeue", "--noheader", "--format=%i:%t", f"--states={states}", f"--jobs={','.join(job_ids)}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    return [j for j in out.stdout.split() if j.split(":")[1] not in ("CD", "CA", "F", "TO", "NF", "PR", "OOM")]


@pytest.fixture(autouse=True)
def slurm_running() -> None:
    require_service("scontrol ping | grep -q UP", "Slurm",
                    "Start it with `sudo .ci/services/slurm.sh start`, or deselect this test.")


def test_htex_on_slurm_from_toml_scales_out_in_and_cleans_up(tmp_path: Path) -> None:
    config_file = tmp_path / "slurm-htex.toml"
    config_file.write_text(CONFIG.format(run_dir=tmp_path / "runinfo", bin_dir=os.path.dirname(sys.executable),
                                         tests_dir=os.path.dirname(__file__)))
    config = load_config_file(str(config_file))
    executor = config.executors[0]
    assert type(executor).__name__ == "HighThroughputExecutor"
    assert type(executor.provider).__name__ == "SlurmProvider"
    assert type(executor.provider.launcher).__name__ == "SrunLauncher"
    executor.provider.polling_interval = 1

    dfk = parsl.load(config)
    try:
        results = [f.result(timeout=300) for f in [where(4) for _ in range(6)]]
        slurm_jobs = {job for job, _ in results}
        assert all(job.isdigit() for job in slurm_jobs) and {rank for _, rank in results} == {"0"}
        assert len(slurm_jobs) == 2, f"tasks ran in {slurm_jobs}: the strategy did not scale out to max_blocks"
        assert len(executor.blocks_to_job_id) == 2

        # idle for longer than max_idletime: every block is scaled in and leaves squeue
        job_ids = [str(j) for j in executor.blocks_to_job_id.values()]
        wait_for(lambda: all(s.state == JobState.SCALED_IN for s in executor.status_facade.values()), 60,
                 "idle blocks to be scaled in")
        wait_for(lambda: not ours_in_squeue(job_ids), 60, "scaled-in jobs to leave squeue", interval=0.5)

        # new load brings a block back
        job, _ = where(0).result(timeout=300)
        assert job not in slurm_jobs
    finally:
        dfk.cleanup()
    all_jobs = [str(j) for j in executor.blocks_to_job_id.values()]
    assert ours_in_squeue(all_jobs, states="PENDING,RUNNING") == [], "jobs still queued or running after cleanup()"
    wait_for(lambda: not ours_in_squeue(all_jobs), 60, "cancelled jobs to finish completing", interval=0.5)


def test_a_block_that_dies_before_its_workers_connect_fails_the_tasks_with_its_stderr(tmp_path: Path) -> None:
    config_file = tmp_path / "broken.toml"
    broken = CONFIG.replace('worker_init = "export', 'worker_init = "echo worker-env-is-broken >&2; exit 3; export')
    config_file.write_text(broken.format(run_dir=tmp_path / "runinfo", bin_dir="/none", tests_dir="/none"))
    config = load_config_file(str(config_file))
    executor = config.executors[0]
    executor.provider.polling_interval = 1
    dfk = parsl.load(config)
    try:
        with pytest.raises(Exception) as info:
            where(0).result(timeout=300)
    finally:
        dfk.cleanup()
    assert "worker-env-is-broken" in str(info.value), str(info.value)
    job_ids = [str(j) for j in executor.blocks_to_job_id.values()]
    assert ours_in_squeue(job_ids, states="PENDING,RUNNING") == []


def test_a_workflow_whose_run_dir_has_spaces_and_quotes_runs_on_slurm(tmp_path: Path) -> None:
    from parsl.config import Config
    from parsl.executors import HighThroughputExecutor
    from parsl.launchers import SrunLauncher
    from parsl.providers import SlurmProvider

    run_dir = tmp_path / "my runs" / "it's a \"test\" $HOME 100%j"
    provider = SlurmProvider(exclusive=False, walltime="00:10:00", launcher=SrunLauncher(),
                             worker_init=f"export PATH={os.path.dirname(sys.executable)}:$PATH "
                                         f"PYTHONPATH={os.path.dirname(__file__)}:$PYTHONPATH")
    provider.polling_interval = 1
    executor = HighThroughputExecutor(label="awkward", max_workers_per_node=1, provider=provider)
    dfk = parsl.load(Config(executors=[executor], run_dir=str(run_dir)))
    try:
        job, _ = where(0).result(timeout=300)
    finally:
        dfk.cleanup()
    assert job in {str(j) for j in executor.blocks_to_job_id.values()}
    assert list(run_dir.glob("*/submit_scripts/*.submit")), "the job script is not under the run dir"
