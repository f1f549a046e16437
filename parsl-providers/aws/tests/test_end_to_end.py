"""A workflow on "EC2 instances": a TOML config names htex and aws by string; moto keeps the
instances, the local start-up runner plays them, and their workers connect back over 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from conftest import KEY_NAME, REGION, instances

from parsl.testing.cloud import htex_toml, run_on_instances
from parsl.testing.startup import StartupRunner


def test_workflow_runs_on_ec2_instances(ec2: Any, ami: str, runner: StartupRunner, tmp_path: Path) -> None:
    config_file = tmp_path / "aws.toml"
    config_file.write_text(htex_toml(tmp_path / "runinfo", f"""
type = "aws"
image_id = "{ami}"
key_name = "{KEY_NAME}"
region = "{REGION}"
state_file = "{tmp_path / 'aws-state.json'}"
init_blocks = 2
max_blocks = 2
"""))
    run = run_on_instances(config_file, runner, 2)
    ids = set(instances(ec2))
    assert run.instances == ids and len(ids) == 2, (run, ids)
    assert set(runner.started) == ids
    assert {i["State"]["Name"] for i in instances(ec2).values()} == {"terminated"}
    print(f"\nAWS end to end: load to first result {run.first_result:.1f} s; {len(ids)} instances started; "
          f"all removed {run.all_removed:.1f} s after load", file=sys.__stderr__)
