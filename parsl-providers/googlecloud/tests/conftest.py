"""Fixtures: the gcplocal emulator over HTTP, a service-account key whose token endpoint is the
emulator's, recorded answers for what gcplocal lacks, and the local start-up runner."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Tuple

import pytest

from parsl.testing.startup import EmulatedInstance, StartupRunner
from parsl_provider_googlecloud import api

DATA = Path(__file__).parent / "data"
PROJECT = "parsl-test"
REGION = "us-central1"
ZONE = "us-central1-b"  # the first zone of the region that zones.list.json says is UP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _up(url: str) -> bool:
    try:
        urllib.request.urlopen(f"{url}/health", timeout=5)
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def gcplocal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gcplocal (pinned in the test extra) in its own process on a free port."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("gcplocal") / "gcplocal.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gcplocal", "start", "--host", "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=out, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _up(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gcplocal did not start: {log.read_text()}", pytrace=False)
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait()


@pytest.fixture
def gcplocal(gcplocal_server: str) -> str:
    """The emulator, emptied."""
    urllib.request.urlopen(urllib.request.Request(f"{gcplocal_server}/reset", method="POST"), timeout=30)
    return gcplocal_server


@pytest.fixture
def key_file(gcplocal: str, tmp_path: Path) -> str:
    """A service-account key with a fresh RSA key; its token endpoint is the emulator's."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": PROJECT, "private_key_id": "0123456789abcdef",
        "private_key": pem, "client_email": f"parsl@{PROJECT}.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": f"{gcplocal}/token"}))
    return str(path)


class RecordedRoutes:
    """An ``httplib2.Http`` stand-in: requests matching a route get a recorded answer through
    ``googleapiclient.http.HttpMock``; all others go to the emulator. ``calls`` lists (method, path)."""

    def __init__(self) -> None:
        import httplib2

        self.live = httplib2.Http(timeout=60)
        self.routes: List[Tuple[str, re.Pattern[str], str, int]] = []
        self.calls: List[Tuple[str, str]] = []
        self.recorded: List[Tuple[str, str]] = []
        self.record("GET", r"/projects/[^/]+/zones$", "zones.list.json")
        self.record("GET", r"/global/images/family/[^/]+$", "images.getFromFamily.json")

    def record(self, method: str, path: str, data_file: str, status: int = 200) -> None:
        """Answer ``method`` on URLs whose path matches ``path`` with ``data_file`` (newest rule first)."""
        self.routes.insert(0, (method, re.compile(path), data_file, status))

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        from googleapiclient.http import HttpMock

        path = urllib.request.urlparse(uri).path
        self.calls.append((method, path))
        for route_method, pattern, data_file, status in self.routes:
            if route_method == method and pattern.search(path):
                self.recorded.append((method, path))
                return HttpMock(str(DATA / data_file), {"status": str(status)}).request(uri, method, body, headers)
        return self.live.request(uri, method, body=body, headers=headers, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.live, name)


@pytest.fixture
def routes(monkeypatch: pytest.MonkeyPatch) -> RecordedRoutes:
    recorded = RecordedRoutes()
    monkeypatch.setattr(api, "transport", lambda: recorded)
    return recorded


def compute(url: str, path: str, method: str = "GET") -> Dict[str, Any]:
    """A Compute API call straight to the emulator, to check what the provider did."""
    request = urllib.request.Request(f"{url}/compute/v1/projects/{PROJECT}/zones/{ZONE}{path}", method=method)
    with urllib.request.urlopen(request, timeout=30) as reply:
        return dict(json.load(reply))


def emulated(url: str) -> Dict[str, Dict[str, Any]]:
    return {i["name"]: i for i in compute(url, "/instances").get("items", [])}


@pytest.fixture
def runner(gcplocal: str, tmp_path: Path) -> Iterator[StartupRunner]:
    """Runs each instance's startup-script metadata locally while the emulator says it is RUNNING."""

    def poll() -> Mapping[str, EmulatedInstance]:
        found = {}
        for name, instance in emulated(gcplocal).items():
            items = instance.get("metadata", {}).get("items", [])
            script = next((i["value"] for i in items if i["key"] == "startup-script"), None)
            found[name] = EmulatedInstance(instance["status"] == "RUNNING", script)
        return found

    with StartupRunner(poll, str(tmp_path / "instances")) as r:
        yield r
    assert not r.errors, r.errors


def provider_keywords(gcplocal: str, key_file: str, tmp_path: Path) -> Dict[str, Any]:
    return {"project_id": PROJECT, "key_file": key_file, "region": REGION, "os_project": "debian-cloud",
            "os_family": "debian-12", "api_endpoint": f"{gcplocal}/compute/v1/",
            "state_file": str(tmp_path / "gce-state.json")}
