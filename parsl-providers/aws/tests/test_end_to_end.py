"""A workflow on "EC2 instances": a TOML config names htex and aws by string; moto keeps the
instances, the local start-up runner plays them, and their workers connect back over 127.0.0.1."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from conftest import KEY_NAME, REGION, instances

import parsl
from parsl.configfile.loader import load_config_file
from parsl.testing.startup import StartupRunner


@parsl.python_app
def check_in(rendezvous: str, expected: int) -> str:
    """Report the instance this task runs on, once tasks on ``expected`` instances have checked in."""
    import os
    import time

    me = os.environ["PARSL_TEST_INSTANCE_ID"]
    open(os.path.join(rendezvous, me), "w").close()
    deadline = time.monotonic() + 120
    while len(os.listdir(rendezvous)) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return me


def test_workflow_runs_on_ec2_instances(ec2: Any, ami: str, runner: StartupRunner, tmp_path: Path) -> None:
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    config_file = tmp_path / "aws.toml"
    config_file.write_text(f"""
run_dir = "{tmp_path / 'runinfo'}"

[[executors]]
type = "htex"
label = "ec2"
address = "127.0.0.1"
max_workers_per_node = 1

[executors.provider]
type = "aws"
image_id = "{ami}"
key_name = "{KEY_NAME}"
region = "{REGION}"
state_file = "{tmp_path / 'aws-state.json'}"
init_blocks = 2
max_blocks = 2
worker_init = "export PATH={Path(sys.executable).parent}:$PATH PYTHONPATH={Path(__file__).parent}"
""")
    started = time.monotonic()
    dfk = parsl.load(load_config_file(config_file))
    try:
        futures = [check_in(str(rendezvous), 2) for _ in range(2)]
        first = futures[0].result(timeout=300)
        first_result = time.monotonic() - started
        hosts = {first, futures[1].result(timeout=300)}
    finally:
        dfk.cleanup()
    ids = set(instances(ec2))
    assert hosts == ids and len(ids) == 2, (hosts, ids, [runner.output(i) for i in ids])
    deadline = time.monotonic() + 120
    while set(runner.removed) != ids:
        assert time.monotonic() < deadline, f"instances' processes not removed: {runner.removed}"
        time.sleep(0.1)
    removed = time.monotonic() - started
    assert {i["State"]["Name"] for i in instances(ec2).values()} == {"terminated"}
    assert set(runner.started) == ids and not runner.processes
    print(f"\nAWS end to end: load to first result {first_result:.1f} s; {len(runner.started)} instances "
          f"started; all removed {removed:.1f} s after load", file=sys.__stderr__)
    assert os.path.exists(tmp_path / "aws-state.json")
