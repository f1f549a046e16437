"""The container-runtime conformance tests with the real Docker CLI, driving podman's Docker API
(it asks the daemon what is left, through the same API)."""

from __future__ import annotations

import os

from parsl.containers.testing import ContainerRuntimeTests

SOCKET = os.environ.get("PODMAN_CI_SOCK", "/run/ci-podman/podman.sock")


class TestDocker(ContainerRuntimeTests):
    runtime = "docker"
    service = "podman"

    environment = {"DOCKER_HOST": f"unix://{SOCKET}"}
    list_command = ("docker", "ps", "--all", "--format", "{{.Names}}")

    def image(self, name: str) -> str:
        return f"localhost/parsl-ci/{name}"
