"""RayExecutor passes the executor conformance kit on a real local Ray (in a private network namespace)."""

from __future__ import annotations

import pytest

from parsl.testing.executors import ExecutorConformance
from parsl_executor_ray.executor import RayExecutor


class TestRayConformance(ExecutorConformance):
    accepted_resource_spec = {"num_cpus": 1, "memory": 10, "resources": {"special": 1}}

    @pytest.fixture
    def executor(self, ray_session: str) -> RayExecutor:
        return RayExecutor()
