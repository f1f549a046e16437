"""A workflow end to end on "Azure VMs": a TOML config names ``htex`` and ``azure`` by string; each VM
the recorded Azure reports running has its customData start-up script run as a local process
(``parsl.testing.startup.StartupRunner``), whose workers connect back over 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path

from fake_azure import FakeAzure

from parsl.testing.cloud import htex_toml, run_on_instances
from parsl.testing.startup import StartupRunner

PROVIDER = """
type = "azure"
key_file = "{key_file}"
init_blocks = 2
max_blocks = 2
walltime = "00:10:00"
resource_manager_url = "{url}"
authority_host = "{url}"
vm_reference = {{ publisher = "Canonical", offer = "0001-com-ubuntu-server-jammy", sku = "22_04-lts-gen2", \
version = "latest", vm_size = "Standard_D2s_v3", disk_size_gb = 64, admin_username = "parsl", \
password = "Recorded-Passw0rd" }}
"""


def test_a_workflow_runs_on_azure_vms_and_cleanup_deletes_them(azure: FakeAzure, key_file: Path,
                                                               tmp_path: Path) -> None:
    config_file = tmp_path / "azure.toml"
    config_file.write_text(htex_toml(tmp_path / "runinfo", PROVIDER.format(key_file=key_file, url=azure.server.url)))
    with StartupRunner(azure.boot, str(tmp_path / "vms"), on_shutdown=azure.shut_down) as runner:
        run = run_on_instances(config_file, runner, 2)
    assert len(run.instances) == 2 and set(runner.started) == run.instances, run
    assert runner.errors == [] and azure.vms == {}, "a VM was left after cleanup()"
    print(f"\nAzure end to end: load to first result {run.first_result:.1f} s; {len(run.instances)} VMs started; "
          f"all removed {run.all_removed:.1f} s after load", file=sys.__stderr__)
