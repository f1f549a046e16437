"""CobaltProvider against recorded Cobalt output (see data/README.md for its origin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsl.configfile.loader import ConfigFileError, config_from_data, parse_text
from parsl.jobs.states import JobState
from parsl.launchers.launchers import AprunLauncher, SingleNodeLauncher
from parsl.testing.recorded import RecordedProviderConformance, RecordedScheduler
from parsl_provider_cobalt.cobalt import CobaltProvider

DATA = Path(__file__).parent / "data"


class TestRecordedCobalt(RecordedProviderConformance):
    submit_cmd, status_cmd, cancel_cmd = "qsub", "qstat", "qdel"
    submit_stdout = "4321\n"
    expected_job_id = "4321"
    bad_submit = ((DATA / "qsub.unknown-queue.stderr").read_text(), 1)
    unknown_job = ("", 0)
    unknown_job_id = "9999"
    status_recordings = [
        ((DATA / "qstat.running.txt").read_text(),
         {"4321": JobState.RUNNING, "4322": JobState.PENDING, "4323": JobState.HELD}),
        ((DATA / "qstat.finished.txt").read_text(),
         {"4321": JobState.MISSING, "4322": JobState.RUNNING, "4323": JobState.COMPLETED,
          "4324": JobState.CANCELLED}),
    ]

    def make_provider(self, script_dir: str) -> CobaltProvider:
        provider = CobaltProvider(queue="debug-cache-quad", account="proj", launcher=SingleNodeLauncher())
        provider.script_dir = script_dir
        return provider


def test_size_walltime_queue_and_project_are_qsub_options(recorded_scheduler: RecordedScheduler,
                                                           tmp_path: Path) -> None:
    provider = CobaltProvider(nodes_per_block=2, walltime="01:30:00", queue="default", account="proj")
    provider.script_dir = str(tmp_path)
    recorded_scheduler.reply("qsub", stdout="4321\n")
    job_id = provider.submit("worker", 1, "parsl.cobalt")
    (args,) = recorded_scheduler.calls("qsub")
    record = provider.resources[job_id]
    assert args == ["-n", "2", "-t", "90", "-q", "default", "-A", "proj",
                    "-o", record["job_stdout_path"], "-e", record["job_stderr_path"], args[-1]]
    assert args[-1].endswith(".submit") and Path(args[-1]).read_text().startswith("#!/bin/bash")


def test_unset_queue_and_account_are_left_out(recorded_scheduler: RecordedScheduler, tmp_path: Path) -> None:
    provider = CobaltProvider()
    provider.script_dir = str(tmp_path)
    recorded_scheduler.reply("qsub", stdout="4321\n")
    provider.submit("worker", 1)
    (args,) = recorded_scheduler.calls("qsub")
    assert args[:4] == ["-n", "1", "-t", "10"] and "-q" not in args and "-A" not in args


def test_a_walltime_cobalt_cannot_take_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match=r"walltime='90': expected HH:MM:SS"):
        CobaltProvider(walltime="90")


def test_keywords_order_and_defaults_are_parsl_s() -> None:
    assert repr(CobaltProvider()) == (
        "CobaltProvider(nodes_per_block=1, init_blocks=0, min_blocks=0, max_blocks=1, parallelism=1, "
        "walltime='00:10:00', account=None, queue=None, scheduler_options='', worker_init='', "
        "launcher=AprunLauncher(debug=True, overrides=''), cmd_timeout=10"
        ", channel=LocalChannel(script_dir=None))")  # keyword-only: every ClusterProvider's


def test_parsl_s_import_paths_and_a_theta_style_config_keep_working() -> None:
    from parsl.config import Config
    from parsl.executors import HighThroughputExecutor
    from parsl.providers import CobaltProvider as FromParsl
    from parsl.providers.cobalt.cobalt import CobaltProvider as FromModule
    from parsl.providers.cobalt.template import template_string

    assert FromParsl is FromModule is CobaltProvider and "${user_script}" in template_string
    config = Config(executors=[HighThroughputExecutor(
        label="theta_htex", max_workers_per_node=1,
        provider=FromParsl(queue="debug-flat-quad", account="proj", launcher=AprunLauncher(overrides="-d 64"),
                           walltime="00:10:00", nodes_per_block=2, init_blocks=1, max_blocks=1,
                           scheduler_options="", worker_init="module load conda", cmd_timeout=120))])
    provider = config.executors[0].provider
    assert (provider.label, provider.nodes_per_block, provider.launcher.overrides) == ("cobalt", 2, "-d 64")


def test_a_config_file_names_cobalt_by_string() -> None:
    text = """
[[executors]]
type = "htex"
label = "theta"
[executors.provider]
type = "cobalt"
queue = "debug-cache-quad"
account = "proj"
nodes_per_block = 2
walltime = "00:30:00"
[executors.provider.launcher]
type = "aprun"
overrides = "-d 64"
"""
    provider = config_from_data(parse_text(text, "toml")).executors[0].provider
    assert isinstance(provider, CobaltProvider) and provider.queue == "debug-cache-quad"
    with pytest.raises(ConfigFileError, match=r"executors\[0\]\.provider: .*walltime='30': expected HH:MM:SS"):
        config_from_data(parse_text(text.replace('"00:30:00"', '"30"'), "toml"))
