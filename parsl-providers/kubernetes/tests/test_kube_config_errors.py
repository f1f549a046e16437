"""Bad configurations fail ``parsl.load`` with what was tried: the kubeconfig file, the URL, the
API's own message (``Unauthorized``, a missing namespace); the in-cluster configuration works."""

from __future__ import annotations

import base64
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ADMIN_KUBECONFIG

import parsl
from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl_provider_kubernetes import KubernetesProvider
from parsl_provider_kubernetes.errors import KubernetesAPIError, KubernetesUnavailable


def _load(provider: KubernetesProvider, tmp_path: Path) -> None:
    config = Config(executors=[HighThroughputExecutor(label="kube", provider=provider)], run_dir=str(tmp_path))
    dfk = parsl.load(config)
    dfk.cleanup()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kubeconfig(tmp_path: Path, server: str | None = None, token: str | None = None) -> Path:
    """A copy of the administrator's kubeconfig with another server URL or token."""
    data = yaml.safe_load(Path(ADMIN_KUBECONFIG).read_text())
    if server:
        data["clusters"][0]["cluster"]["server"] = server
    if token:
        data["users"][0]["user"]["token"] = token
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(data))
    return path


def test_no_kubeconfig_and_no_cluster_fails_load_naming_the_file(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere" / "config"
    monkeypatch.setenv("KUBECONFIG", str(missing))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(KubernetesUnavailable) as info:
        _load(KubernetesProvider("img"), tmp_path)
    assert f"no kubeconfig at {missing}" in str(info.value)
    assert "KUBERNETES_SERVICE_HOST" in str(info.value)


def test_a_broken_kubeconfig_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken-config"
    broken.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n")
    monkeypatch.setenv("KUBECONFIG", str(broken))
    with pytest.raises(KubernetesUnavailable, match=f"cannot use the kubeconfig {broken}"):
        _load(KubernetesProvider("img"), tmp_path)


@pytest.mark.kube
def test_an_unreachable_api_server_fails_load_naming_its_url(kube_admin: Any, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"https://127.0.0.1:{_free_port()}"
    monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path, server=url)))
    with pytest.raises(KubernetesUnavailable) as info:
        _load(KubernetesProvider("img"), tmp_path)
    assert f"the Kubernetes API server {url} " in str(info.value)
    assert "cannot be reached" in str(info.value)


@pytest.mark.kube
def test_a_rejected_token_fails_load_with_unauthorized(kube_admin: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path, token="not-a-valid-token")))
    with pytest.raises(KubernetesAPIError) as info:
        _load(KubernetesProvider("img"), tmp_path)
    assert info.value.status == 401
    assert "Unauthorized" in str(info.value)


@pytest.mark.kube
def test_a_missing_namespace_fails_load_with_the_apis_message(kubeconfig: str, tmp_path: Path) -> None:
    with pytest.raises(KubernetesAPIError) as info:
        _load(KubernetesProvider("img", namespace="no-such-namespace"), tmp_path)
    assert 'namespaces "no-such-namespace" not found' in str(info.value)


@pytest.mark.kube
def test_the_in_cluster_configuration_is_used_without_a_kubeconfig(kube_admin: Any, namespace: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """What a pod sees: the service host and port in its environment, a token and CA in files."""
    from kubernetes.config import incluster_config

    admin = yaml.safe_load(Path(ADMIN_KUBECONFIG).read_text())
    server = admin["clusters"][0]["cluster"]["server"]
    (tmp_path / "token").write_text(admin["users"][0]["user"]["token"])
    (tmp_path / "ca.crt").write_bytes(base64.b64decode(admin["clusters"][0]["cluster"]["certificate-authority-data"]))
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(tmp_path / "token"))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(tmp_path / "ca.crt"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", server.rsplit(":", 1)[1])

    provider = KubernetesProvider("img", namespace=namespace)
    provider.script_dir = str(tmp_path)
    job_id = provider.submit("true", 1, "in-cluster")
    pods = kube_admin.list_namespaced_pod(namespace, label_selector=f"parsl-job-id={job_id}").items
    assert [p.metadata.name for p in pods] == [f"in-cluster.{job_id}"]
    assert provider.cancel([job_id]) == [True]
