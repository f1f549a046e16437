"""The container-runtime conformance tests, and a worker pool in a container, on real podman."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.containers.app import Container
from parsl.containers.testing import ContainerRuntimeTests, containers_running
from parsl.launchers.container import ContainerLauncher
from parsl.providers.local.local import LocalProvider
from parsl_executor_htex.executor import HighThroughputExecutor


class TestPodman(ContainerRuntimeTests):
    runtime = "podman"
    service = "podman"

    def image(self, name: str) -> str:
        return f"localhost/parsl-ci/{name}"

    def container_exists(self, name: str) -> bool:
        listed = subprocess.run(["podman", "ps", "--all", "--format", "{{.Names}}"], capture_output=True,
                                text=True, check=True).stdout.split()
        return name in listed or bool(containers_running(name))

    def test_worker_pool_in_a_container(self, tmp_path: Any) -> None:
        """An HTEX block whose pool runs in the ``pool`` image; its container goes with the block."""
        here = os.path.dirname(os.path.abspath(__file__))
        repo = os.path.dirname(os.path.dirname(os.path.dirname(here)))
        # the pool runs this test's Python environment, bind-mounted at the same paths
        env_mounts = sorted({sys.prefix, sys.base_prefix, repo})
        container = Container(self.image("pool"), runtime="podman", mounts=env_mounts)
        provider = LocalProvider(init_blocks=1, launcher=ContainerLauncher(container=container))
        dfk = parsl.load(Config(executors=[HighThroughputExecutor(max_workers_per_node=1, provider=provider)],
                                run_dir=str(tmp_path / "runinfo")))
        try:
            @python_app
            def where() -> str:
                with open("/etc/parsl-ci-image") as f:
                    return f.read().strip()

            assert where().result() == "pool"
            pools = self._pool_containers()
            assert len(pools) == 1
        finally:
            dfk.cleanup()
        assert self._pool_containers() == []

    def _pool_containers(self) -> list[str]:
        return subprocess.run(["podman", "ps", "--all", "--filter", f"ancestor={self.image('pool')}", "--format",
                               "{{.Names}}"], capture_output=True, text=True, check=True).stdout.split()
