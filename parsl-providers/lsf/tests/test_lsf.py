"""LSFProvider against recorded LSF output (see data/README.md for its origin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsl.errors import ConfigurationError
from parsl.jobs.states import JobState
from parsl.testing.recorded import RecordedProviderConformance, RecordedScheduler
from parsl_provider_lsf.lsf import LSFProvider, walltime_minutes

DATA = Path(__file__).parent / "data"


class TestRecordedLSF(RecordedProviderConformance):
    submit_cmd, status_cmd, cancel_cmd = "bsub", "bjobs", "bkill"
    submit_stdout = "Job <1234> is submitted to default queue <normal>.\n"
    expected_job_id = "1234"
    bad_submit = ("nosuch: No such queue. Job not submitted.\n", 255)
    unknown_job = ("Job <9999> is not found\n", 255)
    unknown_job_id = "9999"
    status_recordings = [
        ((DATA / "bjobs.running.txt").read_text(),
         {"1234": JobState.RUNNING, "1235": JobState.PENDING, "1236": JobState.HELD}),
        ((DATA / "bjobs.finished.txt").read_text(),
         {"1234": JobState.COMPLETED, "1235": JobState.FAILED, "1236": JobState.FAILED}),
    ]

    def make_provider(self, script_dir: str) -> LSFProvider:
        provider = LSFProvider(project="proj", queue="normal")
        provider.script_dir = script_dir
        return provider


def test_exit_code_of_a_failed_job_is_reported(recorded_scheduler: RecordedScheduler, tmp_path: Path) -> None:
    recorded_scheduler.reply("bjobs", stdout=(DATA / "bjobs.finished.txt").read_text())
    (status,) = TestRecordedLSF().make_provider(str(tmp_path)).status(["1235"])
    assert status.exit_code == 3 and "exited with code 3" in (status.message or "")


def test_redirection_and_resource_requests(recorded_scheduler: RecordedScheduler, tmp_path: Path) -> None:
    provider = LSFProvider(cores_per_block=96, cores_per_node=48, request_by_nodes=False, bsub_redirection=True,
                           walltime="01:30:30")
    provider.script_dir = str(tmp_path)
    recorded_scheduler.reply("bsub", stdout="Job <7> is submitted to queue <batch>.\n")
    assert provider.submit("worker", 1, "parsl.lsf") == "7"
    assert provider.nodes_per_block == 2
    (script,) = tmp_path.glob("*.submit")
    text = script.read_text()
    assert "#BSUB -n 96" in text and '#BSUB -R "span[ptile=48]"' in text and "#BSUB -W 91" in text
    assert recorded_scheduler.calls("bsub") == [[]]  # the script came on stdin


def test_requesting_cores_needs_the_core_counts() -> None:
    with pytest.raises(ConfigurationError, match="cores_per_block"):
        LSFProvider(request_by_nodes=False)


def test_walltime_minutes_round_up() -> None:
    assert [walltime_minutes(w) for w in ("00:10:00", "01:00:01", "90")] == [10, 61, 2]


def test_keywords_order_and_defaults_are_parsl_s() -> None:
    assert repr(LSFProvider()) == (
        "LSFProvider(nodes_per_block=1, cores_per_block=None, cores_per_node=None, init_blocks=1, min_blocks=0, "
        "max_blocks=1, parallelism=1, walltime='00:10:00', scheduler_options='', worker_init='', project=None, "
        "queue=None, cmd_timeout=120, bsub_redirection=False, request_by_nodes=True, "
        "launcher=SingleNodeLauncher(debug=True, fail_on_any=False)"
        ", channel=LocalChannel(script_dir=None))")  # keyword-only: every ClusterProvider's
