"""CondorProvider against recorded HTCondor output (see data/README.md for its origin)."""

from __future__ import annotations

from pathlib import Path

from parsl.jobs.states import JobState
from parsl.testing.recorded import RecordedProviderConformance, RecordedScheduler
from parsl_provider_condor.condor import CondorProvider

DATA = Path(__file__).parent / "data"


class TestRecordedCondor(RecordedProviderConformance):
    submit_cmd, status_cmd, cancel_cmd = "condor_submit", "condor_q", "condor_rm"
    submit_stdout = (DATA / "condor_submit.txt").read_text()
    expected_job_id = "42"
    bad_submit = ("ERROR: Failed to connect to local queue manager\n", 1)
    unknown_job = ("", 0)  # condor_q prints nothing for a job that left the queue
    unknown_job_id = "99"
    status_recordings = [
        ((DATA / "condor_q-af-jr.running.txt").read_text(),
         {"42": JobState.RUNNING, "43": JobState.PENDING, "44": JobState.HELD}),
        ((DATA / "condor_q-af-jr.finished.txt").read_text(),
         {"42": JobState.COMPLETED, "43": JobState.FAILED, "44": JobState.CANCELLED, "45": JobState.FAILED}),
    ]

    def make_provider(self, script_dir: str) -> CondorProvider:
        provider = CondorProvider(cores_per_slot=4, mem_per_slot=2, environment={"MODE": "it's \"quoted\""},
                                  requirements='OpSys == "LINUX"', project="proj")
        provider.script_dir = script_dir
        return provider


def test_submit_writes_a_job_script_and_a_submit_description(recorded_scheduler: RecordedScheduler,
                                                              tmp_path: Path) -> None:
    provider = TestRecordedCondor().make_provider(str(tmp_path))
    recorded_scheduler.reply("condor_submit", stdout=(DATA / "condor_submit.txt").read_text())
    provider.submit("worker --x", 1, "parsl.block")
    (submit_file,) = tmp_path.glob("*.submit")
    description = submit_file.read_text()
    job_script = submit_file.with_suffix(".sh")
    assert f"arguments               = {job_script.name}" in description
    assert "RequestCpus = 4" in description and "RequestMemory = 2048" in description
    assert "MODE='it''s \"\"quoted\"\"'" in description and "JOBNAME='parsl.block." in description
    assert "export PARSL_CORES=4" in job_script.read_text() and "worker --x" in job_script.read_text()


def test_held_jobs_carry_the_hold_reason(recorded_scheduler: RecordedScheduler, tmp_path: Path) -> None:
    recorded_scheduler.reply("condor_q", stdout=(DATA / "condor_q-af-jr.finished.txt").read_text())
    (status,) = TestRecordedCondor().make_provider(str(tmp_path)).status(["45"])
    assert "Failed to execute '/bin/bash'" in (status.message or "")


def test_keywords_order_and_defaults_are_parsl_s() -> None:
    assert repr(CondorProvider()) == (
        "CondorProvider(nodes_per_block=1, cores_per_slot=None, mem_per_slot=None, init_blocks=1, min_blocks=0, "
        "max_blocks=1, parallelism=1, environment=None, project='', scheduler_options='', transfer_input_files=[], "
        "walltime='00:10:00', worker_init='', launcher=SingleNodeLauncher(debug=True, fail_on_any=False), "
        "requirements='', cmd_timeout=60, cmd_chunk_size=100"
        ", channel=LocalChannel(script_dir=None))")  # keyword-only: every ClusterProvider's
