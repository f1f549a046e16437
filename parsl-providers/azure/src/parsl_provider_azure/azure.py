"""``AzureProvider``: blocks as Azure virtual machines, over the core's ``CloudProvider``.

On first use the provider makes (or finds) Parsl's resource group, virtual network and subnet.
Each block is one VM with its own network interface; the start-up script is the VM's
``customData``, which cloud-init runs at first boot. The OS disk and the interface are created
with ``deleteOption: Delete``, so deleting the VM removes everything the block used. Creating
and deleting a VM are not waited for: the VM's provisioning and power states are polled instead.

The Azure libraries (azure-identity, azure-mgmt-*) are imported when a provider connects (``start``).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from functools import partial
from typing import Any, Callable, ClassVar, Dict, Mapping, Optional, Sequence, TypeVar

import attrs

from parsl.errors import ConfigurationError
from parsl.jobs.states import JobState
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.plugins.settings import settings
from parsl.providers.cloud import CloudError, CloudProvider, InstanceState, cloud_call

T = TypeVar("T")
logger = logging.getLogger(__name__)

#: The keys Parsl's ``vm_reference`` must have.
VM_REFERENCE_KEYS = ("publisher", "offer", "sku", "version", "vm_size", "disk_size_gb", "admin_username", "password")
#: The credentials Parsl reads from ``key_file`` or, without one, from the environment.
CREDENTIAL_KEYS = ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID")

#: A VM's state as ``_vm_state`` names it (the instance view's status codes) -> JobState.
AZURE_STATES: Mapping[str, JobState] = {
    "ProvisioningState/creating": JobState.PENDING,
    "ProvisioningState/updating": JobState.PENDING,
    "PowerState/starting": JobState.PENDING,
    "PowerState/running": JobState.RUNNING,
    "PowerState/stopping": JobState.COMPLETED,
    "PowerState/stopped": JobState.COMPLETED,
    "PowerState/deallocating": JobState.COMPLETED,
    "PowerState/deallocated": JobState.COMPLETED,
    "ProvisioningState/failed": JobState.FAILED,
    "ProvisioningState/deleting": JobState.CANCELLED,
}


@settings
class AzureProvider(CloudProvider):
    """Azure VMs as blocks; Parsl's keywords, order and defaults.

    Credentials come from ``key_file`` (a JSON object with ``AZURE_CLIENT_ID``,
    ``AZURE_CLIENT_SECRET``, ``AZURE_TENANT_ID``, ``AZURE_SUBSCRIPTION_ID``) or, without one,
    from those environment variables. ``key_name`` is accepted and unused, as in Parsl. The
    keyword-only ``resource_manager_url`` and ``authority_host`` select another Azure cloud
    (Azure China, US Government, Azure Stack); by default the SDKs' public-cloud endpoints.
    """

    state_table: ClassVar[Mapping[str, JobState]] = AZURE_STATES
    shutdown_states: ClassVar[frozenset[str]] = frozenset({"PowerState/stopped"})

    vm_reference: Dict[str, Any]
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 10
    parallelism: float = 1
    worker_init: str = ""
    location: str = "westus"
    group_name: str = "parsl.group"
    key_name: Optional[str] = None
    key_file: Optional[str] = None
    vnet_name: str = "parsl.vnet"
    linger: bool = False
    launcher: Launcher = attrs.field(factory=SingleNodeLauncher)
    walltime: Optional[str] = attrs.field(default=None, kw_only=True)
    state_file: Optional[str] = attrs.field(default=None, kw_only=True)
    resource_manager_url: Optional[str] = attrs.field(default=None, kw_only=True)
    authority_host: Optional[str] = attrs.field(default=None, kw_only=True)

    @property
    def label(self) -> str:
        return "azure"

    def __attrs_post_init__(self) -> None:
        self.nodes_per_block = 1  # one VM per block, as in Parsl
        missing = [k for k in VM_REFERENCE_KEYS if k not in self.vm_reference]
        if missing:
            raise ConfigurationError(f"vm_reference lacks {', '.join(map(repr, missing))} "
                                     f"(it needs {', '.join(VM_REFERENCE_KEYS)})")
        try:
            self._disk_size_gb = int(self.vm_reference["disk_size_gb"])
        except (TypeError, ValueError):
            raise ConfigurationError(f"vm_reference['disk_size_gb']={self.vm_reference['disk_size_gb']!r} "
                                     "is not a whole number of GB") from None
        super().__attrs_post_init__()

    # -- CloudProvider hooks -------------------------------------------------------------------

    def _connect(self, state: Mapping[str, Any]) -> Dict[str, Any]:
        from azure.mgmt.compute import ComputeManagementClient
        from azure.mgmt.network import NetworkManagementClient
        from azure.mgmt.resource.resources import ResourceManagementClient

        keys = self._credentials()
        credential = self._credential(keys)
        options: Dict[str, Any] = {}
        if self.resource_manager_url:
            url = self.resource_manager_url.rstrip("/")
            options = {"base_url": url, "credential_scopes": [f"{url}/.default"]}
        subscription = keys["AZURE_SUBSCRIPTION_ID"]
        self._compute = ComputeManagementClient(credential, subscription, **options)
        self._network = NetworkManagementClient(credential, subscription, **options)
        resources = ResourceManagementClient(credential, subscription, **options)
        where: Any = {"location": self.location}
        self._call("create resource group", self.group_name,
                   lambda: resources.resource_groups.create_or_update(self.group_name, where))
        self._call("create virtual network", self.vnet_name,
                   lambda: self._network.virtual_networks.begin_create_or_update(
                       self.group_name, self.vnet_name,
                       _json({**where, "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})).result())
        subnet_name = f"{self.group_name}.subnet"
        subnet = self._call("create subnet", subnet_name,
                            lambda: self._network.subnets.begin_create_or_update(
                                self.group_name, self.vnet_name, subnet_name,
                                _json({"properties": {"addressPrefix": "10.0.0.0/20"}})).result())
        self._subnet_id = subnet.id
        return {"resource_group": self.group_name, "vnet": self.vnet_name, "subnet": subnet.id}

    def _create_instance(self, name: str, script: str) -> str:
        vm_name = re.sub(r"[^A-Za-z0-9-]", "-", name)[:64]
        nic = self._call("create network interface", f"{vm_name}-nic",
                         lambda: self._network.network_interfaces.begin_create_or_update(
                             self.group_name, f"{vm_name}-nic", self._nic_body()).result())
        try:
            self._call("create virtual machine", vm_name,
                       lambda: self._compute.virtual_machines.begin_create_or_update(
                           self.group_name, vm_name, self._vm_body(vm_name, str(nic.id), script), polling=False))
        except CloudError:
            self._delete_nic(f"{vm_name}-nic")
            raise
        return vm_name

    def _instance_states(self, ids: Sequence[str]) -> Mapping[str, InstanceState]:
        from azure.core.exceptions import ResourceNotFoundError

        states = {}
        for vm_name in ids:
            try:
                vm = self._call("get virtual machine", vm_name,
                                partial(self._compute.virtual_machines.get, self.group_name, vm_name,
                                        expand="instanceView"), passing=(ResourceNotFoundError,))
            except ResourceNotFoundError:
                continue
            states[vm_name] = _vm_state(vm)
        return states

    def _terminate_instances(self, ids: Sequence[str]) -> Mapping[str, str]:
        from azure.core.exceptions import ResourceNotFoundError

        failed = {}
        for vm_name in ids:
            try:
                self._call("delete virtual machine", vm_name,
                           partial(self._compute.virtual_machines.begin_delete, self.group_name, vm_name,
                                   polling=False), passing=(ResourceNotFoundError,))
            except ResourceNotFoundError:
                pass  # already gone
            except CloudError as e:
                failed[vm_name] = f"{e.code}: {e.message}"
        return failed

    # -- helpers -------------------------------------------------------------------------------

    def _credentials(self) -> Dict[str, str]:
        """Parsl's four credential values, from ``key_file`` or the environment; names what is missing."""
        if self.key_file is not None:
            try:
                with open(os.path.expanduser(self.key_file)) as f:
                    keys = json.load(f)
            except (OSError, ValueError) as e:
                raise ConfigurationError(f"key_file={self.key_file!r} cannot be read as JSON: {e}") from e
            source = f"key_file {self.key_file!r}"
        else:
            keys = {k: os.environ[k] for k in CREDENTIAL_KEYS if k in os.environ}
            source = "the environment (no key_file given)"
        missing = [k for k in CREDENTIAL_KEYS if not isinstance(keys, dict) or not keys.get(k)]
        if missing:
            raise ConfigurationError(f"Azure credentials: {', '.join(missing)} missing from {source}")
        return {k: str(keys[k]) for k in CREDENTIAL_KEYS}

    def _credential(self, keys: Mapping[str, str]) -> Any:
        from azure.identity import AzureAuthorityHosts, ClientSecretCredential

        options: Dict[str, Any] = {}
        if self.authority_host:
            known = {v for k, v in vars(AzureAuthorityHosts).items() if k.isupper()}
            host = self.authority_host.rstrip("/")
            # instance discovery asks the public cloud about hosts it does not know (Azure Stack, ADFS)
            options = {"authority": host, "disable_instance_discovery": host.split("://")[-1] not in known}
        return ClientSecretCredential(keys["AZURE_TENANT_ID"], keys["AZURE_CLIENT_ID"], keys["AZURE_CLIENT_SECRET"],
                                      **options)

    def _call(self, action: str, resource: str, call: Callable[[], T],
              passing: tuple[type[BaseException], ...] = ()) -> T:
        return cloud_call(self.label, action, resource, call, _describe, passing)

    def _delete_nic(self, nic_name: str) -> None:
        try:
            self._call("delete network interface", nic_name, lambda: self._network.network_interfaces.begin_delete(
                self.group_name, nic_name, polling=False))
        except CloudError as e:
            self._log_left(nic_name, e)

    def _log_left(self, resource: str, error: CloudError) -> None:
        logger.error("%s: %s was left in resource group %s: %s", self.label, resource,
                                          self.group_name, error)

    def _nic_body(self) -> Any:
        return {"location": self.location, "properties": {"ipConfigurations": [
            {"name": f"{self.group_name}.ip.config", "properties": {"subnet": {"id": self._subnet_id}}}]}}

    def _vm_body(self, vm_name: str, nic_id: str, script: str) -> Any:
        ref = self.vm_reference
        return {
            "location": self.location,
            "tags": {"parsl-block": vm_name},
            "properties": {
                "hardwareProfile": {"vmSize": ref["vm_size"]},
                "storageProfile": {
                    "imageReference": {k: ref[k] for k in ("publisher", "offer", "sku", "version")},
                    "osDisk": {"createOption": "FromImage", "diskSizeGB": self._disk_size_gb, "deleteOption": "Delete"},
                },
                "osProfile": {
                    "computerName": vm_name,
                    "adminUsername": ref["admin_username"],
                    "adminPassword": ref["password"],
                    "customData": base64.b64encode(script.encode()).decode(),
                },
                "networkProfile": {"networkInterfaces": [
                    {"id": nic_id, "properties": {"primary": True, "deleteOption": "Delete"}}]},
            },
        }


def _json(body: Dict[str, Any]) -> Any:
    """A request body in the REST API's JSON shape, which the SDK sends as it is."""
    return body


def _describe(error: BaseException) -> Optional[tuple[str, str]]:
    """Azure's error code and message: ARM's ``{"error": {"code", "message"}}``, else the HTTP status;
    for no answer at all (connection refused, TLS, timeout) the SDK's exception name."""
    from azure.core.exceptions import AzureError, HttpResponseError

    if isinstance(error, HttpResponseError):
        if error.error is not None and error.error.code:
            return error.error.code, error.error.message or str(error)
        return str(error.status_code or type(error).__name__), error.message or str(error)
    if isinstance(error, AzureError):
        return type(error).__name__, str(error)
    return None


def _vm_state(vm: Any) -> InstanceState:
    """The state the instance view shows: a failed or deleting provisioning, else the power state."""
    view = vm.properties.instance_view if vm.properties else None
    statuses = list(view.statuses or []) if view is not None else []
    codes = [(s.code or "", s.message or s.display_status) for s in statuses]
    for code, message in codes:
        if code.startswith(("ProvisioningState/failed", "ProvisioningState/deleting")):
            return InstanceState("/".join(code.split("/")[:2]), message)
    for code, message in codes:
        if code.startswith("PowerState/"):
            return InstanceState(code, message)
    provisioning = (vm.properties.provisioning_state or "creating").lower() if vm.properties else "creating"
    return InstanceState(f"ProvisioningState/{provisioning}")
