"""GlobusComputeExecutor passes the executor conformance kit on the spec'd SDK stand-in (see conftest)."""

from __future__ import annotations

import pytest
from conftest import StandIn

from parsl.testing.executors import ExecutorConformance
from parsl_executor_globus_compute.executor import GlobusComputeExecutor


class TestGlobusComputeConformance(ExecutorConformance):
    # the endpoint decides what a specification means; the executor refuses a malformed endpoint config
    accepted_resource_spec = {"num_nodes": 1, "user_endpoint_config": {"worker_init": "true"}}
    refused_resource_spec = ({"user_endpoint_config": "not-a-mapping"}, "user_endpoint_config")

    @pytest.fixture
    def executor(self, stand_in: StandIn) -> GlobusComputeExecutor:
        return GlobusComputeExecutor(stand_in.sdk)
