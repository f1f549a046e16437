"""PBSProProvider against recorded PBS Professional output (see data/README.md for its origin)."""

from __future__ import annotations

from pathlib import Path
from string import Template

from parsl.jobs.states import JobState
from parsl.providers.scripts import JobFiles
from parsl.testing.recorded import RecordedProviderConformance
from parsl_provider_pbspro.pbspro import PBSProProvider

DATA = Path(__file__).parent / "data"


class TestRecordedPBSPro(RecordedProviderConformance):
    submit_cmd, status_cmd, cancel_cmd = "qsub", "qstat", "qdel"
    submit_stdout = "1234.pbs01\n"
    expected_job_id = "1234.pbs01"
    bad_submit = ("qsub: Unknown queue\n", 170)
    unknown_job = ("qstat: Unknown Job Id 9999.pbs01\n", 153)
    unknown_job_id = "9999.pbs01"
    status_recordings = [
        ((DATA / "qstat-x-f-F-json.running.json").read_text(),
         {"1234.pbs01": JobState.RUNNING, "1235.pbs01": JobState.PENDING, "1236.pbs01": JobState.HELD}),
        ((DATA / "qstat-x-f-F-json.finished.json").read_text(),
         {"1234.pbs01": JobState.COMPLETED, "1235.pbs01": JobState.CANCELLED, "1236.pbs01": JobState.TIMEOUT,
          "1237.pbs01": JobState.FAILED}),
    ]

    def make_provider(self, script_dir: str) -> PBSProProvider:
        provider = PBSProProvider(queue="workq", account="proj", cpus_per_node=8, select_options="mem=4gb")
        provider.script_dir = script_dir
        return provider


def test_job_script_requests_what_was_configured(tmp_path: Path) -> None:
    provider = PBSProProvider(queue="workq", account="proj", nodes_per_block=2, cpus_per_node=8,
                              select_options="mem=4gb", walltime="01:00:00")
    provider.script_dir = str(tmp_path)
    config = provider._job_config("worker", 1, JobFiles("s", "o", "e"))
    script = Template(provider.template).substitute(jobname="j", **config)
    assert "#PBS -l select=2:ncpus=8:mem=4gb" in script and "#PBS -l walltime=01:00:00" in script
    assert "#PBS -q workq" in script and "#PBS -A proj" in script


def test_exit_status_and_ids_of_finished_jobs() -> None:
    provider = PBSProProvider()
    status = provider._reported_status("1237.pbs01", ("F", 3))
    assert (status.state, status.exit_code) == (JobState.FAILED, 3)
    assert provider._job_key("1234.pbs01.cluster.example.org") == provider._job_key("1234.pbs01")


def test_keywords_order_and_defaults_are_parsl_s() -> None:
    assert repr(PBSProProvider()).startswith(
        "PBSProProvider(account=None, queue=None, scheduler_options='', select_options='', worker_init='', "
        "nodes_per_block=1, cpus_per_node=1, init_blocks=1, min_blocks=0, max_blocks=1, parallelism=1, "
        "launcher=SingleNodeLauncher(debug=True, fail_on_any=False), walltime='00:20:00', cmd_timeout=120"
        ", channel=LocalChannel(script_dir=None))")  # keyword-only: every ClusterProvider's
