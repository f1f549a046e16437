"""The container-runtime conformance tests on real podman, asking podman itself what is left."""

from __future__ import annotations

import subprocess

from parsl.containers.testing import ContainerRuntimeTests, containers_running


class TestPodman(ContainerRuntimeTests):
    runtime = "podman"
    service = "podman"

    def image(self, name: str) -> str:
        return f"localhost/parsl-ci/{name}"

    def container_exists(self, name: str) -> bool:
        listed = subprocess.run(["podman", "ps", "--all", "--format", "{{.Names}}"], capture_output=True,
                                text=True, check=True).stdout.split()
        return name in listed or bool(containers_running(name))

    def pool_containers(self) -> list[str]:
        listed = subprocess.run(["podman", "ps", "--all", "--filter", f"ancestor={self.image('pool')}", "--format",
                                 "{{.Names}}"], capture_output=True, text=True, check=True).stdout.split()
        return sorted(set(listed) | set(super().pool_containers()))
