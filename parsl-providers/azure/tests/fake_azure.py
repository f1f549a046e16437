"""Azure's REST API as recorded responses (``data/``), served over HTTPS on 127.0.0.1.

Microsoft Entra ID (token endpoint and OpenID discovery) and Azure Resource Manager answer with
the bodies in ``data/``, filled in with the names the provider asked for. What the "cloud" holds
is kept here: VMs created by PUT, in provisioning then power states the test moves on, deleted
by DELETE. ``fail`` makes one kind of request answer with a recorded error.
"""

from __future__ import annotations

import base64
import threading
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from parsl.testing.recorded_http import RecordedHTTPServer, Reply, Request, recorded_json
from parsl.testing.startup import EmulatedInstance

DATA = Path(__file__).parent / "data"
SUBSCRIPTION = "00000000-0000-0000-0000-0000000005b5"
TENANT = "00000000-0000-0000-0000-00000000a7e1"
CLIENT_ID = "00000000-0000-0000-0000-00000000c11e"
CLIENT_SECRET = "recorded-secret"
ARM = rf"/subscriptions/{SUBSCRIPTION}/resourcegroups/(?P<group>[^/]+)"
NETWORK = rf"(?i){ARM}/providers/Microsoft\.Network"
COMPUTE = rf"(?i){ARM}/providers/Microsoft\.Compute/virtualMachines/(?P<vm>[^/]+)"


def recorded(file: str, /, **values: Any) -> Any:
    """A recorded JSON body of ``data/`` with its ``{placeholders}`` filled in."""
    return recorded_json(DATA / file, **values)


class FakeAzure:
    """The recorded Azure endpoints on a ``RecordedHTTPServer`` (see module doc)."""

    def __init__(self, server: RecordedHTTPServer, location: str = "westus"):
        self.server = server
        self.location = location
        self.vms: Dict[str, Dict[str, Any]] = {}
        self.failures: Dict[str, Tuple[int, Any]] = {}
        self.lock = threading.Lock()
        routes = [
            ("GET", rf"/{TENANT}/v2\.0/\.well-known/openid-configuration", self._openid),
            ("POST", rf"/{TENANT}/oauth2/v2\.0/token", self._token),
            ("PUT", rf"(?i){ARM}", self._group),
            ("PUT", rf"{NETWORK}/virtualNetworks/(?P<vnet>[^/]+)", self._vnet),
            ("PUT", rf"{NETWORK}/virtualNetworks/(?P<vnet>[^/]+)/subnets/(?P<subnet>[^/]+)", self._subnet),
            ("PUT", rf"{NETWORK}/networkInterfaces/(?P<nic>[^/]+)", self._nic),
            ("DELETE", rf"{NETWORK}/networkInterfaces/(?P<nic>[^/]+)", lambda r: (202, None)),
            ("PUT", COMPUTE, self._create_vm),
            ("GET", COMPUTE, self._get_vm),
            ("DELETE", COMPUTE, self._delete_vm),
        ]
        for method, pattern, handler in routes:
            server.route(method, pattern, handler)

    # -- what tests use ------------------------------------------------------------------------

    def fail(self, action: str, status: int, body: Any) -> None:
        """Answer ``action`` (``token``, ``create_vm``, ``delete_vm``...) with ``status`` and ``body``."""
        self.failures[action] = (status, body)

    def set_state(self, vm: str, provisioning: str, power: Optional[str] = None,
                  status: Optional[Mapping[str, Any]] = None) -> None:
        with self.lock:
            self.vms[vm].update(provisioning=provisioning, power=power, status=status)

    def view(self) -> Mapping[str, EmulatedInstance]:
        """For ``StartupRunner``: each VM, running when its power state is, with its customData."""
        with self.lock:
            return {name: EmulatedInstance(vm["power"] == "PowerState/running", vm["script"])
                    for name, vm in self.vms.items()}

    def boot(self) -> Mapping[str, EmulatedInstance]:
        """Finish provisioning every VM being created (as Azure does between polls), then ``view()``."""
        with self.lock:
            for vm in self.vms.values():
                if vm["provisioning"] == "Creating":
                    vm.update(provisioning="Succeeded", power="PowerState/running")
        return self.view()

    def shut_down(self, vm: str) -> None:
        """What the VM's own ``shutdown -h now`` does: Azure reports it stopped."""
        self.set_state(vm, "Succeeded", "PowerState/stopped")

    # -- handlers ------------------------------------------------------------------------------

    def _failure(self, action: str) -> Optional[Reply]:
        return self.failures.get(action)

    def _openid(self, request: Request) -> Reply:
        return 200, recorded("aad-openid-configuration.json", authority=self.server.url, tenant=TENANT)

    def _token(self, request: Request) -> Reply:
        form = request.body if isinstance(request.body, str) else ""
        if f"client_secret={CLIENT_SECRET}" not in form:
            return 401, recorded("aad-invalid-client.json", authority=self.server.url)
        return 200, recorded("aad-token.json")

    def _names(self, request: Request, **more: str) -> Dict[str, str]:
        return {"subscription": SUBSCRIPTION, "location": self.location, **request.match, **more}

    def _group(self, request: Request) -> Reply:
        return self._failure("group") or (201, recorded("resource-group.json", **self._names(request)))

    def _vnet(self, request: Request) -> Reply:
        return 201, recorded("virtual-network.json", **self._names(request))

    def _subnet(self, request: Request) -> Reply:
        vnet = request.match["vnet"]
        return 201, recorded("subnet.json", **self._names(request, vnet=vnet))

    def _nic(self, request: Request) -> Reply:
        names = self._names(request, vnet="parsl.vnet", subnet=f"{request.match['group']}.subnet")
        return 201, recorded("network-interface.json", **names)

    def _create_vm(self, request: Request) -> Reply:
        failure = self._failure("create_vm")
        if failure:
            return failure
        props = request.body["properties"]
        script = base64.b64decode(props["osProfile"]["customData"]).decode()
        with self.lock:
            self.vms[request.match["vm"]] = {"request": request.body, "script": script, "group": request.match["group"],
                                             "provisioning": "Creating", "power": None, "status": None}
        return 201, self._vm_body(request.match["vm"], instance_view=False), {
            "Azure-AsyncOperation": f"{self.server.url}/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Compute/"
                                    "locations/westus/operations/00000000-0000-0000-0000-0000000000aa"}

    def _get_vm(self, request: Request) -> Reply:
        name = request.match["vm"]
        if name not in self.vms:
            return 404, recorded("errors/ResourceNotFound.json", vm=name, group=request.match["group"])
        return 200, self._vm_body(name, instance_view=request.query.get("$expand") == ["instanceView"])

    def _delete_vm(self, request: Request) -> Reply:
        failure = self._failure("delete_vm")
        if failure:
            return failure
        with self.lock:
            if self.vms.pop(request.match["vm"], None) is None:
                return 204, None
        return 202, None, {"Location": f"{self.server.url}/subscriptions/{SUBSCRIPTION}/providers/"
                                      "Microsoft.Compute/locations/westus/operations/00000000-0000-0000-0000-0000000000bb"}

    def _vm_body(self, name: str, instance_view: bool) -> Dict[str, Any]:
        with self.lock:
            vm = dict(self.vms[name])
        ref = vm["request"]["properties"]
        image = ref["storageProfile"]["imageReference"]
        body = recorded("virtual-machine.json", vm=name, group=vm["group"], subscription=SUBSCRIPTION,
                        location=self.location, n=f"{len(name) % 100:02d}", vm_size=ref["hardwareProfile"]["vmSize"],
                        admin=ref["osProfile"]["adminUsername"], provisioning=vm["provisioning"], **image)
        if instance_view:
            view = recorded("instance-view.json", vm=name)
            code = vm["provisioning"].lower()
            view["statuses"] = [vm["status"] or {"code": f"ProvisioningState/{code}", "level": "Info",
                                                 "displayStatus": f"Provisioning {code}"}]
            if vm["power"]:
                view["statuses"].append({"code": vm["power"], "level": "Info",
                                         "displayStatus": "VM " + vm["power"].split("/")[1]})
            body["properties"]["instanceView"] = view
        return body
