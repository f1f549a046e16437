"""AzureProvider's real Azure SDK calls against recorded Azure REST responses (see fake_azure.py)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from fake_azure import CLIENT_ID, TENANT, FakeAzure, recorded

from parsl.errors import ConfigurationError
from parsl.jobs.states import JobState
from parsl.providers.cloud import CloudError
from parsl.providers.errors import SubmitException

Make = Callable[..., Any]


def test_a_block_is_a_vm_whose_custom_data_runs_the_command(make_provider: Make, azure: FakeAzure) -> None:
    provider = make_provider(location="eastus", worker_init="module load python")
    vm = provider.submit("process_worker_pool.py --block 3", 1, "parsl.test")
    body = azure.vms[vm]["request"]
    props = body["properties"]
    assert body["location"] == "eastus" and props["hardwareProfile"] == {"vmSize": "Standard_D2s_v3"}
    assert props["storageProfile"]["imageReference"] == {
        "publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"}
    assert props["storageProfile"]["osDisk"]["diskSizeGB"] == 64
    assert props["networkProfile"]["networkInterfaces"][0]["properties"]["deleteOption"] == "Delete"
    script = azure.vms[vm]["script"]
    assert script.startswith("#!/bin/bash") and "module load python" in script
    assert "process_worker_pool.py --block 3" in script and "shutdown -h now" in script
    paths = [r.path.lower() for r in azure.server.requests("PUT")]
    assert [p.rsplit("/", 2)[-2] for p in paths] == ["resourcegroups", "virtualnetworks", "subnets",
                                                     "networkinterfaces", "virtualmachines"]


def test_status_follows_the_instance_view(make_provider: Make, azure: FakeAzure) -> None:
    provider = make_provider()
    vm = provider.submit("worker", 1)
    assert provider.status([vm])[0].state == JobState.PENDING
    azure.set_state(vm, "Succeeded", "PowerState/running")
    assert provider.status([vm])[0].state == JobState.RUNNING
    azure.set_state(vm, "Failed", status=recorded("errors/ProvisioningFailed-status.json"))
    (failed,) = provider.status([vm])
    assert failed.state == JobState.FAILED and "Allocation failed" in (failed.message or "")
    assert provider.status(["parsl-never-made"])[0].state == JobState.MISSING


@pytest.mark.parametrize("linger", [False, True])
def test_a_vm_that_shut_itself_down_is_deleted_unless_linger(make_provider: Make, azure: FakeAzure,
                                                             linger: bool) -> None:
    provider = make_provider(linger=linger)
    vm = provider.submit("worker", 1)
    azure.shut_down(vm)  # the block ended: a stopped, not deallocated, VM is still billed
    assert provider.status([vm])[0].state == JobState.COMPLETED
    assert (vm in azure.vms) == linger
    assert provider.status([vm])[0].state == JobState.COMPLETED


def test_cancel_deletes_the_vm(make_provider: Make, azure: FakeAzure) -> None:
    provider = make_provider()
    vm = provider.submit("worker", 1)
    assert provider.cancel([vm]) == [True] and vm not in azure.vms
    assert provider.cancel([vm]) == [True]  # already gone: nothing left running


def test_a_vm_that_cannot_be_deleted_is_named(make_provider: Make, azure: FakeAzure, tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "azure-state.json"
    provider = make_provider(state_file=str(state))
    vm = provider.submit("worker", 1)
    azure.fail("delete_vm", 403, recorded("errors/AuthorizationFailed.json", vm=vm, group="parsl.group",
                                          subscription="s"))
    with caplog.at_level(logging.ERROR):
        assert provider.cancel([vm]) == [False]
    assert vm in azure.vms
    assert any(vm in r.getMessage() and "AuthorizationFailed" in r.getMessage() for r in caplog.records)
    # a later run finds it in the state file and deletes it once Azure lets it
    del azure.failures["delete_vm"]
    later = make_provider(state_file=str(state))
    assert later.previous_instances == [vm] and later.cleanup_previous() == [True] and azure.vms == {}
    assert json.loads(state.read_text())["instances"] == []


@pytest.mark.parametrize("error, status", [("QuotaExceeded", 409), ("PlatformImageNotFound", 404),
                                           ("InvalidParameter-vmSize", 400)])
def test_a_refused_vm_reports_azure_s_code_and_leaves_nothing(make_provider: Make, azure: FakeAzure,
                                                              error: str, status: int) -> None:
    provider = make_provider()
    answer = recorded(f"errors/{error}.json")
    azure.fail("create_vm", status, answer)
    with pytest.raises(SubmitException) as info:
        provider.submit("worker", 1)
    assert answer["error"]["code"] in str(info.value) and answer["error"]["message"] in str(info.value)
    assert azure.vms == {}
    assert [r.path.rsplit("/", 1)[-1] for r in azure.server.requests("DELETE")] == \
           [r.path.rsplit("/", 1)[-1] for r in azure.server.requests("PUT") if "networkInterfaces" in r.path]


def test_rejected_credentials_fail_at_start_with_entra_s_message(make_provider: Make, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"AZURE_CLIENT_ID": CLIENT_ID, "AZURE_CLIENT_SECRET": "wrong", "AZURE_TENANT_ID": TENANT,
                               "AZURE_SUBSCRIPTION_ID": "s"}))
    with pytest.raises(CloudError, match="AADSTS7000215: Invalid client secret") as info:
        make_provider(key_file=str(bad))
    assert info.value.action == "create resource group"


def test_missing_credentials_are_named(make_provider: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    with pytest.raises(ConfigurationError, match="AZURE_CLIENT_SECRET, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID "
                                                 "missing from the environment"):
        make_provider(key_file=None)
    with pytest.raises(ConfigurationError, match=r"key_file='/no/such.json' cannot be read"):
        make_provider(key_file="/no/such.json")


def test_an_incomplete_vm_reference_is_named() -> None:
    from parsl_provider_azure.azure import AzureProvider

    with pytest.raises(ConfigurationError, match="vm_reference lacks 'sku', 'password'"):
        AzureProvider({"publisher": "p", "offer": "o", "version": "v", "vm_size": "s", "disk_size_gb": 1,
                       "admin_username": "a"})
    with pytest.raises(ConfigurationError, match=r"vm_reference\['disk_size_gb'\]='YOUR_VM_DISK_SIZE'"):
        AzureProvider({"publisher": "p", "offer": "o", "sku": "k", "version": "v", "vm_size": "s",
                       "disk_size_gb": "YOUR_VM_DISK_SIZE", "admin_username": "a", "password": "x"})


def test_keywords_order_and_defaults_are_parsl_s(make_provider: Make) -> None:
    import inspect

    from parsl_provider_azure.azure import AzureProvider

    assert list(inspect.signature(AzureProvider).parameters) == [
        "vm_reference", "init_blocks", "min_blocks", "max_blocks", "parallelism", "worker_init", "location",
        "group_name", "key_name", "key_file", "vnet_name", "linger", "launcher",
        "walltime", "state_file", "resource_manager_url", "authority_host"]
    provider = make_provider()
    assert (provider.max_blocks, provider.location, provider.group_name, provider.vnet_name, provider.label) == \
           (10, "westus", "parsl.group", "parsl.vnet", "azure")


def test_registering_the_plugin_imports_no_azure_library() -> None:
    code = ("import sys, parsl_provider_azure.plugin as p; from parsl.providers import AzureProvider; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'azure'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
