"""DaskExecutor passes the executor conformance kit on a real scheduler with two worker processes."""

from __future__ import annotations

import pytest

from parsl.testing.executors import ExecutorConformance
from parsl_executor_dask.executor import DaskExecutor


class TestDaskConformance(ExecutorConformance):
    accepted_resource_spec = {"priority": 1, "resources": {"GPU": 1}}

    @pytest.fixture
    def executor(self, dask_cluster: str) -> DaskExecutor:
        return DaskExecutor(address=dask_cluster)
