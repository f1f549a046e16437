"""The container-runtime conformance tests on real Charliecloud (ch-run of unpacked image directories)."""

from __future__ import annotations

import os

from parsl.containers.testing import ContainerRuntimeTests

IMAGES = os.path.join(os.environ.get("CONTAINER_CI_CACHE", "/var/cache/parsl-ci-containers"), "images")


class TestCharliecloud(ContainerRuntimeTests):
    runtime = "charliecloud"
    service = "charliecloud"

    def image(self, name: str) -> str:
        return os.path.join(IMAGES, name)
