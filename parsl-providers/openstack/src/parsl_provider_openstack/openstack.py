"""``OpenStackProvider``: blocks as OpenStack Nova servers (Jetstream2, Chameleon...), over the core's
``CloudProvider``.

The connection is openstacksdk's: a named cloud of ``clouds.yaml`` (``cloud``) or the ``OS_*``
environment variables of an OpenStack RC file. When the provider starts (``parsl.load``) it authenticates and
resolves ``image``, ``flavor`` and ``network`` (names or ids), so a wrong password or an unknown
image fails at ``parsl.load``. Each block is one server whose user data is the start-up script
(cloud-init runs it at first boot). Creating and deleting servers is not waited for: the servers'
states are polled instead.
"""

from __future__ import annotations

import base64
from functools import partial
from typing import Any, Callable, ClassVar, Dict, List, Mapping, Optional, Sequence, TypeVar

import attrs

from parsl.jobs.states import JobState
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.plugins.settings import settings
from parsl.providers.cloud import CloudError, CloudProvider, InstanceState, cloud_call

T = TypeVar("T")

#: Nova server states (``status``) -> JobState.
NOVA_STATES: Mapping[str, JobState] = {
    "BUILD": JobState.PENDING,
    "REBUILD": JobState.PENDING,
    "ACTIVE": JobState.RUNNING,
    "REBOOT": JobState.RUNNING,
    "HARD_REBOOT": JobState.RUNNING,
    "PAUSED": JobState.HELD,
    "SUSPENDED": JobState.HELD,
    "SHELVED": JobState.HELD,
    "SHELVED_OFFLOADED": JobState.HELD,
    "SHUTOFF": JobState.COMPLETED,
    "STOPPED": JobState.COMPLETED,
    "DELETED": JobState.CANCELLED,
    "SOFT_DELETED": JobState.CANCELLED,
    "ERROR": JobState.FAILED,
}


@settings
class OpenStackProvider(CloudProvider):
    """OpenStack servers as blocks.

    ``image`` and ``flavor`` are names or ids; ``network`` (name or id) is the network the servers
    join (``None``: the project's only network, as Nova chooses); ``security_groups`` by name.
    ``cloud`` names an entry of ``clouds.yaml``; ``None`` uses the ``OS_*`` environment variables.
    """

    state_table: ClassVar[Mapping[str, JobState]] = NOVA_STATES
    shutdown_states: ClassVar[frozenset[str]] = frozenset({"SHUTOFF"})

    image: str
    flavor: str
    network: Optional[str] = None
    key_name: Optional[str] = None
    security_groups: Optional[List[str]] = None
    cloud: Optional[str] = None
    region_name: Optional[str] = None
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 10
    parallelism: float = 1
    worker_init: str = ""
    walltime: Optional[str] = None
    linger: bool = False
    state_file: Optional[str] = None
    launcher: Launcher = attrs.field(factory=SingleNodeLauncher)

    def __attrs_post_init__(self) -> None:
        self.nodes_per_block = 1  # one server per block
        super().__attrs_post_init__()

    @property
    def label(self) -> str:
        return "openstack"

    # -- CloudProvider hooks -------------------------------------------------------------------

    def _connect(self, state: Mapping[str, Any]) -> Dict[str, Any]:
        import openstack

        self._conn = self._call("connect", self.cloud or "OS_* environment",
                                lambda: openstack.connect(cloud=self.cloud, region_name=self.region_name))
        image = self._call("find image", self.image, lambda: self._conn.image.find_image(self.image,
                                                                                         ignore_missing=False))
        flavor = self._call("find flavor", self.flavor, lambda: self._conn.compute.find_flavor(
            self.flavor, ignore_missing=False))
        found = {"image_id": image.id, "flavor_id": flavor.id}
        if self.network is not None:
            network = self._call("find network", self.network, partial(self._conn.network.find_network,
                                                                       self.network, ignore_missing=False))
            found["network_id"] = network.id
        self._found = found
        return dict(found)

    def _create_instance(self, name: str, script: str) -> str:
        request: Dict[str, Any] = {
            "name": name,
            "image_id": self._found["image_id"],
            "flavor_id": self._found["flavor_id"],
            "user_data": base64.b64encode(script.encode()).decode(),
            "metadata": {"parsl-block": name},
        }
        if "network_id" in self._found:
            request["networks"] = [{"uuid": self._found["network_id"]}]
        if self.key_name:
            request["key_name"] = self.key_name
        if self.security_groups:
            request["security_groups"] = [{"name": g} for g in self.security_groups]
        server = self._call("create server", name, lambda: self._conn.compute.create_server(**request))
        return str(server.id)

    def _instance_states(self, ids: Sequence[str]) -> Mapping[str, InstanceState]:
        from openstack.exceptions import NotFoundException

        states = {}
        for server_id in ids:
            try:
                server = self._call("get server", server_id, partial(self._conn.compute.get_server, server_id),
                                    passing=(NotFoundException,))
            except NotFoundException:
                continue
            fault = server.fault or {}
            states[server_id] = InstanceState(str(server.status), fault.get("message"))
        return states

    def _terminate_instances(self, ids: Sequence[str]) -> Mapping[str, str]:
        failed = {}
        for server_id in ids:
            try:
                self._call("delete server", server_id,
                           partial(self._conn.compute.delete_server, server_id, ignore_missing=True))
            except CloudError as e:
                failed[server_id] = f"{e.code}: {e.message}"
        return failed

    def _call(self, action: str, resource: str, call: Callable[[], T],
              passing: tuple[type[BaseException], ...] = ()) -> T:
        return cloud_call(self.label, action, resource, call, _describe, passing)


def _describe(error: BaseException) -> Optional[tuple[str, str]]:
    """The HTTP status and OpenStack's message; keystoneauth's and openstacksdk's own errors (refused
    credentials, an unreachable endpoint, no such cloud in clouds.yaml) by their name."""
    from keystoneauth1.exceptions import ClientException
    from openstack.exceptions import HttpException, SDKException

    if isinstance(error, HttpException):
        return (f"HTTP {error.status_code}" if error.status_code else type(error).__name__), \
            error.details or error.message
    if isinstance(error, ClientException):
        status = getattr(error, "http_status", None)
        return (f"HTTP {status}" if status else type(error).__name__), str(error)
    if isinstance(error, SDKException):
        return type(error).__name__, str(error)
    return None
