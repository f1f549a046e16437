"""Tests marked ``kube`` need the API server of ``.ci/services/kube.sh start``; each runs in a fresh
namespace, with a stand-in kubelet (``parsl.testing.kube_node.KubeNode``) when it needs pods to run."""

from __future__ import annotations

import os
import uuid
from typing import Any, Iterator

import pytest

KUBE_DIR = os.environ.get("KUBE_CI_DIR", "/var/lib/parsl-ci-kube")
#: The administrator's kubeconfig, and that of a user with no permission until a test grants one.
ADMIN_KUBECONFIG = os.path.join(KUBE_DIR, "kubeconfig")
LIMITED_KUBECONFIG = os.path.join(KUBE_DIR, "kubeconfig-limited")
HOW = "Start it with `sudo .ci/services/kube.sh start`, or deselect with -m 'not kube'."




@pytest.fixture(scope="session")
def kube_admin() -> Any:
    """A ``CoreV1Api`` as the administrator; fails (never skips) when the API server is not up."""
    from kubernetes import client, config

    if not os.path.exists(ADMIN_KUBECONFIG):
        pytest.fail(f"no kubeconfig at {ADMIN_KUBECONFIG}: the Kubernetes API server is not set up. {HOW}",
                    pytrace=False)
    api_client = config.new_client_from_config(config_file=ADMIN_KUBECONFIG)
    try:
        client.VersionApi(api_client).get_code(_request_timeout=10)
    except Exception as e:
        pytest.fail(f"the Kubernetes API server is not reachable ({e}). {HOW}", pytrace=False)
    return client.CoreV1Api(api_client)


@pytest.fixture
def kubeconfig(kube_admin: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The administrator's kubeconfig, as ``$KUBECONFIG`` (what the provider reads)."""
    monkeypatch.setenv("KUBECONFIG", ADMIN_KUBECONFIG)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    return ADMIN_KUBECONFIG


@pytest.fixture
def namespace(kube_admin: Any) -> Iterator[str]:
    """A new namespace; afterwards every pod left in it is removed and the namespace deleted."""
    name = f"parsl-test-{uuid.uuid4().hex[:8]}"
    kube_admin.create_namespace({"metadata": {"name": name}})
    yield name
    kube_admin.delete_collection_namespaced_pod(name, grace_period_seconds=0)
    kube_admin.delete_namespace(name)


def our_pods(kube_admin: Any, namespace: str) -> list[str]:
    """Names of the pods in ``namespace`` that carry our label."""
    pods = kube_admin.list_namespaced_pod(namespace, label_selector="app.kubernetes.io/managed-by=parsl")
    return [p.metadata.name for p in pods.items]


@pytest.fixture
def node(kubeconfig: str, namespace: str) -> Iterator[Any]:
    """A stand-in kubelet running the pods of ``namespace`` as local processes."""
    from parsl.testing.kube_node import KubeNode

    with KubeNode(kubeconfig, namespace) as agent:
        yield agent
    assert not agent.errors, agent.errors
