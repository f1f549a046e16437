"""Keystone, Nova, Glance and Neutron as recorded responses (``data/``), served over HTTP on 127.0.0.1.

One server plays every service of the token's catalog under its own path (``/identity``,
``/compute/v2.1``, ``/image``, ``/network``). What the "cloud" holds is kept here: one image,
flavor and network, and the servers created by POST, in the Nova state the test sets, removed by
DELETE. ``fail`` makes one kind of request answer with a recorded error.
"""

from __future__ import annotations

import base64
import threading
import uuid
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from parsl.testing.recorded_http import RecordedHTTPServer, Reply, Request, recorded_json
from parsl.testing.startup import EmulatedInstance

DATA = Path(__file__).parent / "data"
PASSWORD = "recorded-password"
IMAGE = {"image_id": "1d3f5a7c-9e1b-4d5f-8a7c-9e1b3d5f7a9c", "image_name": "Featured-Ubuntu24"}
FLAVOR = {"flavor_id": "3", "flavor_name": "m3.medium"}
NETWORK = {"network_id": "7a9c1e3b-5d7f-4b1d-9f5a-7c9e1b3d5f7a", "network_name": "parsl-net"}


def recorded(file: str, /, **values: Any) -> Any:
    """A recorded JSON body of ``data/`` with its ``{placeholders}`` filled in."""
    return recorded_json(DATA / file, **values)


class FakeOpenStack:
    """The recorded OpenStack endpoints on a ``RecordedHTTPServer`` (see module doc)."""

    def __init__(self, server: RecordedHTTPServer):
        self.server = server
        self.url = server.url
        self.servers: Dict[str, Dict[str, Any]] = {}
        self.failures: Dict[str, Tuple[int, Any]] = {}
        self.lock = threading.Lock()
        nova = "/compute/v2.1"
        routes = [
            ("GET", r"/identity/v3/?", lambda r: (200, recorded("keystone-version.json", url=self.url))),
            ("POST", r"/identity/v3/auth/tokens", self._token),
            ("GET", r"/compute/v2\.1/?", lambda r: (200, recorded("nova-version.json", url=self.url))),
            ("GET", r"/image/?", lambda r: (300, recorded("glance-versions.json", url=self.url))),
            ("GET", r"/network/?", lambda r: (200, recorded("neutron-versions.json", url=self.url))),
            ("GET", r"/image/v2/images/(?P<id>[^/]+)", self._image),
            ("GET", r"/image/v2/images", self._images),
            ("GET", rf"{nova}/flavors/(?P<id>[^/]+)", self._flavor),
            ("GET", rf"{nova}/flavors/detail", self._flavors),
            ("GET", r"/network/v2\.0/networks/(?P<id>[^/]+)", self._network),
            ("GET", r"/network/v2\.0/networks", self._networks),
            ("POST", rf"{nova}/servers", self._create_server),
            ("GET", rf"{nova}/servers/(?P<id>[^/]+)", self._get_server),
            ("DELETE", rf"{nova}/servers/(?P<id>[^/]+)", self._delete_server),
        ]
        for method, pattern, handler in routes:
            server.route(method, pattern, handler)

    # -- what tests use ------------------------------------------------------------------------

    def fail(self, action: str, status: int, body: Any) -> None:
        """Answer ``action`` (``token``, ``create_server``, ``delete_server``) with ``status`` and ``body``."""
        self.failures[action] = (status, body)

    def set_status(self, server_id: str, status: str, fault: Optional[Mapping[str, Any]] = None) -> None:
        with self.lock:
            self.servers[server_id].update(status=status, fault=fault)

    def view(self) -> Mapping[str, EmulatedInstance]:
        """For ``StartupRunner``: each server, running when ACTIVE, with its user data."""
        with self.lock:
            return {i: EmulatedInstance(s["status"] == "ACTIVE", s["script"]) for i, s in self.servers.items()}

    def boot(self) -> Mapping[str, EmulatedInstance]:
        """Finish building every server in BUILD (as Nova does between polls), then ``view()``."""
        with self.lock:
            for server in self.servers.values():
                if server["status"] == "BUILD":
                    server["status"] = "ACTIVE"
        return self.view()

    def shut_down(self, server_id: str) -> None:
        """What the server's own ``shutdown -h now`` does: Nova reports it SHUTOFF."""
        self.set_status(server_id, "SHUTOFF")

    # -- handlers ------------------------------------------------------------------------------

    def _token(self, request: Request) -> Reply:
        password = request.body["auth"]["identity"]["password"]["user"]["password"]
        if password != PASSWORD:
            return 401, recorded("keystone-unauthorized.json")
        return 201, recorded("keystone-token.json", url=self.url), {"X-Subject-Token": "gAAAArecordedtoken"}

    def _image(self, request: Request) -> Reply:
        if request.match["id"] != IMAGE["image_id"]:
            return 404, recorded("errors/glance-image-not-found.json", image=request.match["id"])
        return 200, recorded("glance-image.json", **IMAGE)

    def _images(self, request: Request) -> Reply:
        wanted = request.query.get("name", [None])[0]
        found = [recorded("glance-image.json", **IMAGE)] if wanted in (None, IMAGE["image_name"]) else []
        return 200, {"images": found, "schema": "/v2/schemas/images", "first": "/v2/images"}

    def _flavor(self, request: Request) -> Reply:
        if request.match["id"] != FLAVOR["flavor_id"]:
            return 404, recorded("errors/nova-flavor-not-found.json", flavor=request.match["id"])
        return 200, {"flavor": recorded("nova-flavor.json", url=self.url, **FLAVOR)}

    def _flavors(self, request: Request) -> Reply:
        return 200, {"flavors": [recorded("nova-flavor.json", url=self.url, **FLAVOR)]}

    def _network(self, request: Request) -> Reply:
        if request.match["id"] != NETWORK["network_id"]:
            return 404, {"NeutronError": {"type": "NetworkNotFound", "detail": "",
                                          "message": f"Network {request.match['id']} could not be found."}}
        return 200, {"network": recorded("neutron-network.json", **NETWORK)}

    def _networks(self, request: Request) -> Reply:
        wanted = request.query.get("name", [None])[0]
        found = [recorded("neutron-network.json", **NETWORK)] if wanted in (None, NETWORK["network_name"]) else []
        return 200, {"networks": found}

    def _create_server(self, request: Request) -> Reply:
        if "create_server" in self.failures:
            return self.failures["create_server"]
        body = request.body["server"]
        server_id = str(uuid.uuid4())
        with self.lock:
            self.servers[server_id] = {"request": body, "status": "BUILD", "fault": None,
                                       "script": base64.b64decode(body["user_data"]).decode()}
        return 202, recorded("nova-server-created.json", url=self.url, server_id=server_id)

    def _get_server(self, request: Request) -> Reply:
        server_id = request.match["id"]
        with self.lock:
            server = self.servers.get(server_id)
            server = dict(server) if server else None
        if server is None:
            return 404, recorded("errors/nova-server-not-found.json", server_id=server_id)
        body = recorded("nova-server.json", url=self.url, server_id=server_id, name=server["request"]["name"],
                        status=server["status"], vm_state=server["status"].lower(), **IMAGE, **FLAVOR)
        if server["fault"]:
            body["server"]["fault"] = server["fault"]
        return 200, body

    def _delete_server(self, request: Request) -> Reply:
        if "delete_server" in self.failures:
            return self.failures["delete_server"]
        with self.lock:
            gone = self.servers.pop(request.match["id"], None) is None
        return (404, recorded("errors/nova-server-not-found.json", server_id=request.match["id"])) if gone \
            else (204, None)
