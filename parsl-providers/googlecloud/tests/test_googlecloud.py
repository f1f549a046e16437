"""GoogleCloudProvider with the real discovery client: against the gcplocal emulator over HTTP,
and recorded answers (tests/data) for the calls gcplocal lacks; which is which is asserted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from conftest import PROJECT, ZONE, RecordedRoutes, compute, emulated, provider_keywords

from parsl.errors import ConfigurationError
from parsl.jobs.states import JobState
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.providers.cloud import CloudError
from parsl.providers.errors import SubmitException
from parsl_provider_googlecloud.googlecloud import GoogleCloudProvider, instance_name


def make(gcplocal: str, key_file: str, tmp_path: Path, **kwargs: Any) -> GoogleCloudProvider:
    """A started provider (connected), as ``parsl.load`` leaves it."""
    provider = GoogleCloudProvider(**{**provider_keywords(gcplocal, key_file, tmp_path), **kwargs})
    provider.start()
    return provider


def test_keywords_order_and_defaults_are_parsl_s_then_ours() -> None:
    fields = [(f.name, f.default) for f in attrs.fields(GoogleCloudProvider)]
    assert [name for name, _ in fields] == [
        "project_id", "key_file", "region", "os_project", "os_family", "google_version", "instance_type",
        "init_blocks", "min_blocks", "max_blocks", "launcher", "parallelism",
        "worker_init", "walltime", "linger", "state_file", "api_endpoint"]
    defaults = dict(fields)
    assert (defaults["google_version"], defaults["instance_type"], defaults["max_blocks"]) == (
        "v1", "n1-standard-1", 10)
    assert isinstance(defaults["launcher"].factory(), SingleNodeLauncher)


def test_instance_names_are_valid_compute_engine_names() -> None:
    assert instance_name("parsl.my_label.block-0.1796608977.383097") == "parsl-my-label-block-0-1796608977-383097"
    assert instance_name("0.block") == "parsl-0-block"
    assert len(instance_name("x" * 100)) == 63


def test_instance_request_and_startup_script(gcplocal: str, key_file: str, routes: RecordedRoutes,
                                             tmp_path: Path) -> None:
    provider = make(gcplocal, key_file, tmp_path, worker_init="source /opt/venv/bin/activate",
                    instance_type="e2-standard-4", walltime="00:10:00")
    assert provider.zone == ZONE
    name = provider.submit("process_worker_pool.py --flag", 2, "parsl.gce")
    instance = compute(gcplocal, f"/instances/{name}")
    assert instance["machineType"] == f"zones/{ZONE}/machineTypes/e2-standard-4"
    (disk,) = instance["disks"]
    assert disk["boot"] and disk["autoDelete"] and disk["initializeParams"]["sourceImage"].endswith(
        "/projects/debian-cloud/global/images/debian-12-bookworm-v20261110")
    assert instance["networkInterfaces"][0]["accessConfigs"] == [{"type": "ONE_TO_ONE_NAT", "name": "External NAT"}]
    assert instance["serviceAccounts"][0]["email"] == "default"
    (item,) = instance["metadata"]["items"]
    assert item["key"] == "startup-script"
    assert "source /opt/venv/bin/activate\n" in item["value"] and "process_worker_pool.py --flag" in item["value"]
    assert "timeout --kill-after=30 600 " in item["value"] and "shutdown -h now" in item["value"]
    # what was recorded and what went to the emulator
    assert routes.recorded == [("GET", f"/compute/v1/projects/{PROJECT}/zones"),
                               ("GET", "/compute/v1/projects/debian-cloud/global/images/family/debian-12")]
    assert ("POST", "/token") in routes.calls  # the service-account key was exchanged at the emulator
    assert ("POST", f"/compute/v1/projects/{PROJECT}/zones/{ZONE}/instances") in routes.calls
    assert json.loads((tmp_path / "gce-state.json").read_text()) == {"project": PROJECT, "zone": ZONE,
                                                                     "instances": [name]}


def test_instance_states(gcplocal: str, key_file: str, routes: RecordedRoutes, tmp_path: Path) -> None:
    provider = make(gcplocal, key_file, tmp_path)
    cancelled, vanished = provider.submit("sleep 600", 1), provider.submit("sleep 600", 1)
    assert [s.state for s in provider.status([cancelled, vanished])] == [JobState.RUNNING, JobState.RUNNING]
    assert provider.cancel([cancelled]) == [True]
    compute(gcplocal, f"/instances/{vanished}", "DELETE")  # deleted behind the provider's back
    statuses = provider.status([cancelled, vanished, "parsl-never-made"])
    assert [s.state for s in statuses] == [JobState.CANCELLED, JobState.MISSING, JobState.MISSING]
    assert not emulated(gcplocal)
    assert provider.cancel(["parsl-never-made"]) == [True]


def test_state_file_lets_a_later_run_clean_up(gcplocal: str, key_file: str, routes: RecordedRoutes,
                                              tmp_path: Path) -> None:
    first = make(gcplocal, key_file, tmp_path)
    names = [first.submit("sleep 600", 1) for _ in range(2)]
    later = make(gcplocal, key_file, tmp_path)
    assert later.previous_instances == names
    assert later.cleanup_previous() == [True, True]
    assert not emulated(gcplocal)


# -- bad input ------------------------------------------------------------------------------------


def test_unreadable_key_file_is_named(gcplocal: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"key_file='.*nope.json': not a readable service-account key"):
        make(gcplocal, str(tmp_path / "nope.json"), tmp_path)


def test_refused_key_carries_google_s_error(gcplocal: str, key_file: str, routes: RecordedRoutes,
                                           tmp_path: Path) -> None:
    routes.record("POST", r"^/token$", "token.invalid_grant.json", 400)
    with pytest.raises(CloudError, match=r"google_cloud: zones.list failed: RefreshError: .*invalid_grant"):
        make(gcplocal, key_file, tmp_path)


def test_region_without_a_zone_is_named(gcplocal: str, key_file: str, routes: RecordedRoutes, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="region='mars-north1'"):
        make(gcplocal, key_file, tmp_path, region="mars-north1")


@pytest.mark.parametrize(("method", "path", "data_file", "status", "expected"), [
    ("GET", r"/images/family/", "images.getFromFamily.404.json", 404,
     r"images.getFromFamily \(debian-cloud/debian-12\) failed: 404 notFound: The resource .* was not found"),
    ("POST", r"/instances$", "instances.insert.400.json", 400,
     r"instances.insert \(.*\) failed: 400 invalid: .*Machine type with name 'n9-enormous' does not exist"),
    ("GET", r"/operations/", "zoneOperations.get.exhausted.json", 200,
     r"instances.insert \(.*\) failed: ZONE_RESOURCE_POOL_EXHAUSTED: The zone .* does not have enough resources"),
])
def test_refused_instance_carries_google_s_code_and_leaves_nothing(
        gcplocal: str, key_file: str, routes: RecordedRoutes, tmp_path: Path,
        method: str, path: str, data_file: str, status: int, expected: str) -> None:
    provider = make(gcplocal, key_file, tmp_path)
    routes.record(method, path, data_file, status)
    if data_file.startswith("zoneOperations"):  # the insert reaches gcplocal, its operation is still running
        routes.record("POST", r"/instances$", "instances.insert.running.json")
    with pytest.raises(SubmitException, match=expected):
        provider.submit("true", 1)
    assert not emulated(gcplocal)
    assert json.loads((tmp_path / "gce-state.json").read_text())["instances"] == []


def test_unreachable_api_is_named(key_file: str, tmp_path: Path) -> None:
    with pytest.raises(CloudError, match=r"zones.list failed: ConnectionRefusedError: .*http://127.0.0.1:9/"):
        GoogleCloudProvider(**provider_keywords("http://127.0.0.1:9", key_file, tmp_path)).start()


def test_unknown_api_version_is_named(gcplocal: str, key_file: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="google_version='v0'"):
        make(gcplocal, key_file, tmp_path, google_version="v0")
