"""Pods in real podman containers (``--network=host``): the stand-in kubelet with ``runtime="podman"``,
using the test image of ``.ci/services/podman.sh start``."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import our_pods

from parsl.jobs.states import JobState
from parsl.testing.kube_node import KubeNode
from parsl.testing.processes import wait_for
from parsl.testing.providers import wait_terminal
from parsl_provider_kubernetes import KubernetesProvider

pytestmark = [pytest.mark.kube, pytest.mark.podman]

IMAGE = "localhost/parsl-ci/py3"


@pytest.fixture
def podman() -> None:
    found = shutil.which("podman") and subprocess.run(["podman", "image", "exists", IMAGE], check=False).returncode == 0
    if not found:
        pytest.fail(f"podman with the image {IMAGE} is needed: start it with `sudo .ci/services/podman.sh start`",
                    pytrace=False)


def test_a_pod_runs_in_a_podman_container_on_the_host_network(podman: None, kubeconfig: str, kube_admin: Any,
                                                              namespace: str, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener, KubeNode(kubeconfig, namespace, runtime="podman") as node:
        port = listener.getsockname()[1]
        provider = KubernetesProvider(IMAGE, namespace=namespace)
        provider.script_dir = str(tmp_path)
        job_id = provider.submit(
            'echo "image $(cat /etc/parsl-ci-image) pod $HOSTNAME"; '
            f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port})).sendall(b'from the pod')\"; "
            "exit 4", 1, "in-podman")
        listener.settimeout(300)
        connection, _ = listener.accept()
        with connection:
            assert connection.recv(100) == b"from the pod"
        status = wait_terminal(provider, job_id, 300, 0.2)
        assert status.state == JobState.FAILED and status.exit_code == 4, status
        assert f"image py3 pod in-podman.{job_id}" in (status.stdout or "")

        missing = KubernetesProvider("localhost/parsl-ci/no-such-image", namespace=namespace)
        missing.script_dir = str(tmp_path)
        bad = missing.submit("true", 1, "no-image")
        status = wait_terminal(missing, bad, 300, 0.2)
        assert status.state == JobState.FAILED, status
        assert "cannot start: ImagePullBackOff" in (status.message or "")
        assert "localhost/parsl-ci/no-such-image" in (status.message or "")
        wait_for(lambda: not our_pods(kube_admin, namespace), 120, "ended pods to be deleted")
        assert node.started == [f"in-podman.{job_id}"]
    assert not node.errors, node.errors
