"""TorqueProvider against recorded TORQUE output (see data/README.md for its origin)."""

from __future__ import annotations

from pathlib import Path

from parsl.jobs.states import JobState
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.testing.recorded import RecordedProviderConformance
from parsl_provider_torque.torque import TorqueProvider

DATA = Path(__file__).parent / "data"


class TestRecordedTorque(RecordedProviderConformance):
    submit_cmd, status_cmd, cancel_cmd = "qsub", "qstat", "qdel"
    submit_stdout = "1234.torque01\n"
    expected_job_id = "1234.torque01"
    bad_submit = ("qsub: submit error (Unknown queue MSG=requested queue not found)\n", 168)
    unknown_job = ("qstat: Unknown Job Id Error 9999.torque01\n", 153)
    unknown_job_id = "9999.torque01"
    status_recordings = [
        ((DATA / "qstat.running.txt").read_text(),
         {"1234.torque01": JobState.RUNNING, "1235.torque01": JobState.PENDING, "1236.torque01": JobState.HELD}),
        ((DATA / "qstat.finished.txt").read_text(),
         {"1234.torque01": JobState.COMPLETED, "1235.torque01": JobState.RUNNING, "1240.torque01": JobState.MISSING}),
    ]

    def make_provider(self, script_dir: str) -> TorqueProvider:
        provider = TorqueProvider(queue="batch", account="proj", launcher=SingleNodeLauncher())
        provider.script_dir = script_dir
        return provider


def test_keywords_order_and_defaults_are_parsl_s() -> None:
    assert repr(TorqueProvider()) == (
        "TorqueProvider(account=None, queue=None, scheduler_options='', worker_init='', nodes_per_block=1, "
        "init_blocks=1, min_blocks=0, max_blocks=1, parallelism=1, launcher=AprunLauncher(debug=True, overrides=''), "
        "walltime='00:20:00', cmd_timeout=120"
        ", channel=LocalChannel(script_dir=None))")  # keyword-only: every ClusterProvider's
