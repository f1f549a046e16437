"""``GoogleCloudProvider``: blocks as Google Compute Engine instances; Parsl's keywords, order and defaults.

Each block is one instance in the first zone of ``region`` that is UP, booted from the newest
image of ``os_project``/``os_family``, with the core's start-up script as its ``startup-script``
metadata. The job id is the instance name. Credentials come from the service-account
``key_file`` (not through ``GOOGLE_APPLICATION_CREDENTIALS``, which Parsl sets for the whole
process). The discovery client is imported when a provider is built.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any, ClassVar, Dict, Mapping, Optional, Sequence

import attrs

from parsl.errors import ConfigurationError
from parsl.jobs.states import JobState
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.plugins.settings import fspath, settings
from parsl.providers.cloud import CloudError, CloudProvider, InstanceState
from parsl_provider_googlecloud.api import LABEL, call, client

logger = logging.getLogger(__name__)

#: Compute Engine instance states (Parsl's table).
GCE_STATES: Mapping[str, JobState] = {
    "PENDING": JobState.PENDING,
    "PROVISIONING": JobState.PENDING,
    "STAGING": JobState.PENDING,
    "RUNNING": JobState.RUNNING,
    "DONE": JobState.COMPLETED,
    "STOPPING": JobState.COMPLETED,
    "STOPPED": JobState.COMPLETED,
    "TERMINATED": JobState.COMPLETED,
    "SUSPENDING": JobState.COMPLETED,
    "SUSPENDED": JobState.COMPLETED,
}

#: The scopes Parsl gives its instances' default service account.
INSTANCE_SCOPES = ["https://www.googleapis.com/auth/devstorage.read_write",
                   "https://www.googleapis.com/auth/logging.write"]

#: Seconds to wait for an insert operation to finish before giving up on the block.
INSERT_TIMEOUT = 300


def instance_name(block_name: str) -> str:
    """A Compute Engine name (``[a-z]([-a-z0-9]{0,61}[a-z0-9])?``) made from a block's name."""
    name = re.sub(r"[^a-z0-9-]+", "-", block_name.lower()).strip("-")
    if not name[:1].isalpha():
        name = f"parsl-{name}"
    return name[:63].rstrip("-")


@settings
class GoogleCloudProvider(CloudProvider):
    """Compute Engine instances as blocks. After Parsl's keywords come ours, keyword-only:
    ``worker_init``, ``walltime``, ``linger`` and ``state_file`` as for the other clouds, and
    ``api_endpoint`` (another Compute API root URL, such as an emulator's)."""

    state_table: ClassVar[Mapping[str, JobState]] = GCE_STATES
    nodes_per_block: ClassVar[int] = 1  # type: ignore[misc]  # one instance per block, as in Parsl

    project_id: str
    key_file: str = attrs.field(converter=fspath)
    region: str
    os_project: str
    os_family: str
    google_version: str = "v1"
    instance_type: str = "n1-standard-1"
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 10
    launcher: Launcher = attrs.field(factory=SingleNodeLauncher)
    parallelism: float = 1
    worker_init: str = attrs.field(default="", kw_only=True)
    walltime: Optional[str] = attrs.field(default=None, kw_only=True)
    linger: bool = attrs.field(default=False, kw_only=True)
    state_file: Optional[str] = attrs.field(default=None, converter=fspath, kw_only=True)
    api_endpoint: Optional[str] = attrs.field(default=None, kw_only=True)

    @property
    def label(self) -> str:
        return LABEL

    # -- CloudProvider hooks -------------------------------------------------------------------

    def _connect(self, state: Mapping[str, Any]) -> Dict[str, Any]:
        self.client = client(self.key_file, self.google_version, self.api_endpoint)
        self.zone = self.get_zone(self.region)
        return {"project": self.project_id, "zone": self.zone}

    def get_zone(self, region: str) -> str:
        """The first zone of ``region`` that is UP (Parsl's choice)."""
        zones = call("zones.list", self.client.zones().list(project=self.project_id))
        for zone in zones.get("items", []):
            if region in zone["name"] and zone["status"] == "UP":
                return str(zone["name"])
        raise ConfigurationError(f"GoogleCloudProvider region={region!r}: project {self.project_id} has no zone "
                                 f"of that region that is UP")

    def _create_instance(self, name: str, script: str) -> str:
        image = call("images.getFromFamily", self.client.images().getFromFamily(
            project=self.os_project, family=self.os_family), resource=f"{self.os_project}/{self.os_family}")
        name = instance_name(name)
        body = {
            "name": name,
            "machineType": f"zones/{self.zone}/machineTypes/{self.instance_type}",
            "disks": [{"boot": True, "autoDelete": True, "initializeParams": {"sourceImage": image["selfLink"]}}],
            "networkInterfaces": [{"network": "global/networks/default",
                                   "accessConfigs": [{"type": "ONE_TO_ONE_NAT", "name": "External NAT"}]}],
            "serviceAccounts": [{"email": "default", "scopes": INSTANCE_SCOPES}],
            "metadata": {"items": [{"key": "startup-script", "value": script}]},
        }
        operation = call("instances.insert", self.client.instances().insert(
            project=self.project_id, zone=self.zone, body=body), resource=name)
        self._wait(operation, name)
        return name

    def _wait(self, operation: Dict[str, Any], name: str) -> None:
        """Wait for a zone operation to be DONE; if it failed, delete what it made and raise its error."""
        deadline = time.monotonic() + INSERT_TIMEOUT
        while operation.get("status") != "DONE":
            if time.monotonic() > deadline:
                self._terminate_instances([name])
                raise CloudError(LABEL, "instances.insert", "TIMEOUT",
                                 f"operation {operation.get('name')} not done after {INSERT_TIMEOUT} s", name)
            time.sleep(1)
            operation = call("zoneOperations.get", self.client.zoneOperations().get(
                project=self.project_id, zone=self.zone, operation=operation["name"]))
        errors = (operation.get("error") or {}).get("errors") or []
        if errors:
            self._terminate_instances([name])
            raise CloudError(LABEL, "instances.insert", errors[0].get("code", "UNKNOWN"),
                             "; ".join(e.get("message", "") for e in errors), name)

    def _instance_states(self, ids: Sequence[str]) -> Mapping[str, InstanceState]:
        states = {}
        for name in ids:
            try:
                instance = call("instances.get", self.client.instances().get(
                    project=self.project_id, zone=self.zone, instance=name), resource=name)
            except CloudError as e:
                if e.code.startswith("404"):
                    continue
                raise
            states[name] = InstanceState(instance["status"], instance.get("statusMessage"))
        return states

    def _terminate_instances(self, ids: Sequence[str]) -> Mapping[str, str]:
        failed = {}
        for name in ids:
            try:
                call("instances.delete", self.client.instances().delete(
                    project=self.project_id, zone=self.zone, instance=name), resource=name)
            except CloudError as e:
                if not e.code.startswith("404"):
                    failed[name] = f"{e.code}: {e.message}"
        return failed
