"""OpenStackProvider's real openstacksdk calls against recorded Keystone/Nova/Glance/Neutron responses
(see fake_openstack.py)."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from fake_openstack import FLAVOR, IMAGE, NETWORK, FakeOpenStack, recorded

from parsl.jobs.states import JobState
from parsl.providers.cloud import CloudError
from parsl.providers.errors import SubmitException

Make = Callable[..., Any]


def test_a_block_is_a_server_whose_user_data_runs_the_command(make_provider: Make,
                                                              openstack_cloud: FakeOpenStack) -> None:
    provider = make_provider(network=NETWORK["network_name"], key_name="parsl-key", security_groups=["parsl-htex"],
                             worker_init="module load python")
    server_id = provider.submit("process_worker_pool.py --block 3", 1, "parsl.test")
    request = openstack_cloud.servers[server_id]["request"]
    assert (request["imageRef"], request["flavorRef"]) == (IMAGE["image_id"], FLAVOR["flavor_id"])
    assert request["networks"] == [{"uuid": NETWORK["network_id"]}] and request["key_name"] == "parsl-key"
    assert request["security_groups"] == [{"name": "parsl-htex"}]
    assert request["metadata"] == {"parsl-block": request["name"]} and request["name"].startswith("parsl.test.")
    script = base64.b64decode(request["user_data"]).decode()
    assert script.startswith("#!/bin/bash") and "module load python" in script
    assert "process_worker_pool.py --block 3" in script and "shutdown -h now" in script


def test_status_follows_nova_s_server_states(make_provider: Make, openstack_cloud: FakeOpenStack) -> None:
    provider = make_provider()
    server_id = provider.submit("worker", 1)
    assert provider.status([server_id])[0].state == JobState.PENDING
    openstack_cloud.set_status(server_id, "ACTIVE")
    assert provider.status([server_id])[0].state == JobState.RUNNING
    openstack_cloud.set_status(server_id, "ERROR", fault=recorded("errors/nova-no-valid-host-fault.json"))
    (failed,) = provider.status([server_id])
    assert failed.state == JobState.FAILED and "No valid host was found" in (failed.message or "")
    assert provider.status(["0e1b3d5f-0000-4000-8000-000000000000"])[0].state == JobState.MISSING


def test_a_server_that_shut_itself_down_is_deleted(make_provider: Make, openstack_cloud: FakeOpenStack,
                                                   tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state.json"
    provider = make_provider(state_file=str(state))
    stuck, ended = provider.submit("worker", 1), provider.submit("worker", 1)
    for server_id in (stuck, ended):
        openstack_cloud.shut_down(server_id)  # the block ended: a SHUTOFF server still holds quota
    openstack_cloud.fail("delete_server", 403, recorded("errors/nova-forbidden-delete.json"))
    with caplog.at_level(logging.ERROR):
        assert [s.state for s in provider.status([stuck])] == [JobState.COMPLETED]
    assert stuck in openstack_cloud.servers and any(stuck in r.getMessage() for r in caplog.records)
    del openstack_cloud.failures["delete_server"]
    assert [s.state for s in provider.status([stuck, ended])] == [JobState.COMPLETED] * 2
    assert openstack_cloud.servers == {} and json.loads(state.read_text())["instances"] == []
    assert [s.state for s in provider.status([stuck, ended])] == [JobState.COMPLETED] * 2


def test_cancel_deletes_the_server(make_provider: Make, openstack_cloud: FakeOpenStack) -> None:
    provider = make_provider()
    server_id = provider.submit("worker", 1)
    assert provider.cancel([server_id]) == [True] and openstack_cloud.servers == {}
    assert provider.cancel([server_id]) == [True]  # already gone: nothing left running


def test_a_server_that_cannot_be_deleted_is_named_and_cleaned_up_later(
        make_provider: Make, openstack_cloud: FakeOpenStack, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "openstack-state.json"
    provider = make_provider(state_file=str(state))
    server_id = provider.submit("worker", 1)
    openstack_cloud.fail("delete_server", 403, recorded("errors/nova-forbidden-delete.json"))
    with caplog.at_level(logging.ERROR):
        assert provider.cancel([server_id]) == [False]
    assert server_id in openstack_cloud.servers
    assert any(server_id in r.getMessage() and "servers:delete" in r.getMessage() for r in caplog.records)
    del openstack_cloud.failures["delete_server"]
    later = make_provider(state_file=str(state))
    assert later.previous_instances == [server_id] and later.cleanup_previous() == [True]
    assert openstack_cloud.servers == {} and json.loads(state.read_text())["instances"] == []


def test_quota_refusal_reports_nova_s_message_and_leaves_nothing(make_provider: Make,
                                                                 openstack_cloud: FakeOpenStack) -> None:
    provider = make_provider()
    openstack_cloud.fail("create_server", 403, recorded("errors/nova-quota-exceeded.json"))
    with pytest.raises(SubmitException, match=r"create server .*HTTP 403: .*Quota exceeded for instances: "
                                              r"Requested 1, but already used 10 of 10 instances"):
        provider.submit("worker", 1)
    assert openstack_cloud.servers == {}


@pytest.mark.parametrize("option, value, action", [("image", "Ubuntu-99", "find image"),
                                                   ("flavor", "m9.huge", "find flavor"),
                                                   ("network", "no-such-net", "find network")])
def test_an_unknown_image_flavor_or_network_fails_at_start_naming_it(make_provider: Make, option: str,
                                                                            value: str, action: str) -> None:
    with pytest.raises(CloudError, match=rf"openstack: {action} \({value}\) failed: .*{value}") as info:
        make_provider(**{option: value})
    assert info.value.resource == value


def test_rejected_credentials_fail_at_start_with_keystone_s_answer(make_provider: Make, tmp_path: Path) -> None:
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(clouds.read_text().replace("password: recorded-password", "password: wrong"))
    with pytest.raises(CloudError, match=r"HTTP 401: The request you have made requires authentication"):
        make_provider()


def test_a_cloud_missing_from_clouds_yaml_is_named(make_provider: Make) -> None:
    with pytest.raises(CloudError, match=r"connect \(nosuch\) failed: .*nosuch"):
        make_provider(cloud="nosuch")


def test_keywords_order_and_defaults() -> None:
    import inspect

    from parsl_provider_openstack.openstack import OpenStackProvider

    parameters = inspect.signature(OpenStackProvider).parameters
    assert list(parameters) == ["image", "flavor", "network", "key_name", "security_groups", "cloud", "region_name",
                                "init_blocks", "min_blocks", "max_blocks", "parallelism", "worker_init", "walltime",
                                "linger", "state_file", "launcher"]
    defaults = [parameters[p].default for p in ("max_blocks", "walltime", "linger", "state_file")]
    assert defaults == [10, None, False, None]


def test_registering_the_plugin_imports_no_openstack_library() -> None:
    code = ("import sys, parsl_provider_openstack.plugin; from parsl.providers import OpenStackProvider; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openstack', 'keystoneauth1')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
