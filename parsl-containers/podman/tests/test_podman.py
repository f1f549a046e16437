"""The container-runtime conformance tests on real podman, asking podman itself what is left."""

from __future__ import annotations

from parsl.containers.testing import ContainerRuntimeTests


class TestPodman(ContainerRuntimeTests):
    runtime = "podman"
    service = "podman"
    list_command = ("podman", "ps", "--all", "--format", "{{.Names}}")

    def image(self, name: str) -> str:
        return f"localhost/parsl-ci/{name}"
