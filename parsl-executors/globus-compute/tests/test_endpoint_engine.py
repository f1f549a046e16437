"""GlobusComputeExecutor's tasks run by the endpoint's own ProcessPoolEngine, in the endpoint's venv (see conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from endpoint_tasks import multiply, raise_deep, where_am_i

import parsl
from parsl_executor_globus_compute.executor import GlobusComputeExecutor


def test_tasks_run_on_the_endpoint_engine_in_its_own_venv(endpoint_stand_in: Any) -> None:
    gce = GlobusComputeExecutor(endpoint_stand_in.sdk)
    futures = [gce.submit(multiply, {}, i, b=3) for i in range(10)]
    assert [f.result(timeout=120) for f in futures] == [3 * i for i in range(10)]
    remote_parsl = gce.submit(where_am_i, {}).result(timeout=120)
    assert remote_parsl != parsl.__file__, "the task ran with parsl-core: the venvs are not separate"


def test_an_endpoint_failure_carries_the_remote_traceback(endpoint_stand_in: Any) -> None:
    from globus_compute_sdk.errors import TaskExecutionFailed

    gce = GlobusComputeExecutor(endpoint_stand_in.sdk)
    with pytest.raises(TaskExecutionFailed) as info:
        gce.submit(raise_deep, {}, "endpoint-side failure").result(timeout=120)
    assert "deep_helper_on_the_endpoint" in str(info.value) and "endpoint-side failure" in str(info.value)
