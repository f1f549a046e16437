"""A recorded Azure (see fake_azure.py) on 127.0.0.1, and providers pointed at it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from fake_azure import CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION, TENANT, FakeAzure

from parsl.testing.recorded_http import RecordedHTTPServer

VM_REFERENCE = {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2",
                "version": "latest", "vm_size": "Standard_D2s_v3", "disk_size_gb": 64,
                "admin_username": "parsl", "password": "Recorded-Passw0rd"}


@pytest.fixture
def azure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    with RecordedHTTPServer(tls_dir=tmp_path / "tls") as server:
        # the SDKs' HTTP stack (requests) trusts the recorded server's certificate
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.cert_path))
        for name in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID",
                     "AZURE_AUTHORITY_HOST"):
            monkeypatch.delenv(name, raising=False)
        cloud = FakeAzure(server)
        yield cloud
        assert server.unmatched == [], "requests with no recorded response"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "azure_key_file.json"
    path.write_text(json.dumps({"AZURE_CLIENT_ID": CLIENT_ID, "AZURE_CLIENT_SECRET": CLIENT_SECRET,
                                "AZURE_TENANT_ID": TENANT, "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION}))
    return path


@pytest.fixture
def make_provider(azure: FakeAzure, key_file: Path, tmp_path: Path) -> Callable[..., Any]:
    def make(**options: Any) -> Any:
        from parsl_provider_azure.azure import AzureProvider

        options.setdefault("key_file", str(key_file))
        provider = AzureProvider(dict(VM_REFERENCE), resource_manager_url=azure.server.url,
                                 authority_host=azure.server.url, **options)
        provider.script_dir = str(tmp_path)
        provider.start()  # what parsl.load does: connect, and set up the network
        return provider

    return make
