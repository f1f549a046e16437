"""A workflow on "Compute Engine instances": a TOML config names htex and googlecloud by string;
gcplocal keeps the instances (zones and the image family recorded), the local start-up runner plays
them, and their workers connect back over 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import RecordedRoutes, emulated, provider_keywords

from parsl.testing.cloud import htex_toml, run_on_instances
from parsl.testing.startup import StartupRunner


def test_workflow_runs_on_compute_engine_instances(gcplocal: str, key_file: str, routes: RecordedRoutes,
                                                   runner: StartupRunner, tmp_path: Path) -> None:
    keywords = provider_keywords(gcplocal, key_file, tmp_path)
    config_file = tmp_path / "gce.toml"
    config_file.write_text(htex_toml(tmp_path / "runinfo", "type = \"googlecloud\"\ninit_blocks = 2\nmax_blocks = 2\n"
                                     + "".join(f'{k} = "{v}"\n' for k, v in keywords.items())))
    run = run_on_instances(config_file, runner, 2)
    assert len(run.instances) == 2 and set(runner.started) == run.instances, run
    assert not emulated(gcplocal)  # cleanup deleted them
    print(f"\nGoogle Cloud end to end: load to first result {run.first_result:.1f} s; {len(run.instances)} "
          f"instances started; all removed {run.all_removed:.1f} s after load", file=sys.__stderr__)
