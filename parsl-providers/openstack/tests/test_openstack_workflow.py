"""A workflow end to end on "OpenStack servers": a TOML config names ``htex`` and ``openstack`` by
string; each server the recorded Nova reports ACTIVE has its user-data start-up script run as a
local process (``parsl.testing.startup.StartupRunner``), whose workers connect back over 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path

from fake_openstack import FLAVOR, IMAGE, NETWORK, FakeOpenStack

from parsl.testing.cloud import htex_toml, run_on_instances
from parsl.testing.startup import StartupRunner

PROVIDER = f"""
type = "openstack"
cloud = "recorded"
image = "{IMAGE['image_name']}"
flavor = "{FLAVOR['flavor_name']}"
network = "{NETWORK['network_name']}"
init_blocks = 2
max_blocks = 2
walltime = "00:10:00"
"""


def test_a_workflow_runs_on_openstack_servers_and_cleanup_deletes_them(openstack_cloud: FakeOpenStack,
                                                                       tmp_path: Path) -> None:
    config_file = tmp_path / "openstack.toml"
    config_file.write_text(htex_toml(tmp_path / "runinfo", PROVIDER))
    with StartupRunner(openstack_cloud.boot, str(tmp_path / "servers"),
                       on_shutdown=openstack_cloud.shut_down) as runner:
        run = run_on_instances(config_file, runner, 2)
    assert len(run.instances) == 2 and set(runner.started) == run.instances, run
    assert runner.errors == [] and openstack_cloud.servers == {}, "a server was left after cleanup()"
    print(f"\nOpenStack end to end: load to first result {run.first_result:.1f} s; {len(run.instances)} servers "
          f"started; all removed {run.all_removed:.1f} s after load", file=sys.__stderr__)
