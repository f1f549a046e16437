"""GlobusComputeExecutor keeps Parsl's semantics around the SDK's Executor (a spec'd stand-in, see conftest)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any
from unittest import mock

import pytest

from parsl.executors.errors import InvalidResourceSpecification
from parsl.plugins.settings import SettingTypeError
from parsl.testing.executors import add
from parsl_executor_globus_compute.executor import GlobusComputeExecutor


def seen_by_submit(stand_in: Any) -> list:
    """Record the SDK executor's specification and endpoint config at each submit."""
    seen = []
    real = stand_in.sdk.submit.side_effect

    def record(fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((stand_in.sdk.resource_specification, stand_in.sdk.user_endpoint_config))
        return real(fn, *args, **kwargs)

    stand_in.sdk.submit.side_effect = record
    return seen


def test_parsl_names_and_registration_import_no_sdk() -> None:
    code = ("import sys; from parsl.executors import GlobusComputeExecutor as G;"
            "from parsl.executors.globus_compute import GlobusComputeExecutor as H; assert G is H;"
            "assert 'globus_compute_sdk' not in sys.modules, 'imported the SDK'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_label_defaults_to_the_class_name(stand_in: Any) -> None:
    assert GlobusComputeExecutor(stand_in.sdk).label == "GlobusComputeExecutor"
    assert GlobusComputeExecutor(stand_in.sdk, label="gc").label == "gc"


def test_executor_must_be_an_sdk_executor() -> None:
    with pytest.raises(SettingTypeError, match=r"globus_compute_sdk\.Executor"):
        GlobusComputeExecutor(object())


def test_defaults_are_read_from_the_sdk_executor(stand_in: Any) -> None:
    stand_in.sdk.resource_specification = {"num_nodes": 2}
    stand_in.sdk.user_endpoint_config = {"account": "abc"}
    gce = GlobusComputeExecutor(stand_in.sdk)
    assert gce.resource_specification == {"num_nodes": 2}
    assert gce.user_endpoint_config == {"account": "abc"}


def test_task_spec_applies_to_its_submit_only(stand_in: Any) -> None:
    stand_in.sdk.resource_specification = {"num_nodes": 2}
    stand_in.sdk.user_endpoint_config = {"account": "default"}
    gce = GlobusComputeExecutor(stand_in.sdk)
    seen = seen_by_submit(stand_in)
    task_spec = {"num_ranks": 4, "user_endpoint_config": {"account": "task"}}
    assert gce.submit(add, task_spec, 1, 2).result(timeout=60) == 3
    assert gce.submit(add, {}, 3, 4).result(timeout=60) == 7
    assert seen == [({"num_ranks": 4}, {"account": "task"}), ({"num_nodes": 2}, {"account": "default"})]
    assert task_spec == {"num_ranks": 4, "user_endpoint_config": {"account": "task"}}, "the task's spec was mutated"
    assert stand_in.sdk.resource_specification == {"num_nodes": 2}
    assert stand_in.sdk.user_endpoint_config == {"account": "default"}


def test_spec_without_endpoint_config_keeps_the_default_one(stand_in: Any) -> None:
    stand_in.sdk.user_endpoint_config = {"account": "default"}
    gce = GlobusComputeExecutor(stand_in.sdk)
    seen = seen_by_submit(stand_in)
    gce.submit(add, {"num_nodes": 1}, 1).result(timeout=60)
    assert seen == [({"num_nodes": 1}, {"account": "default"})]


def test_defaults_are_restored_when_submit_fails(stand_in: Any) -> None:
    gce = GlobusComputeExecutor(stand_in.sdk)
    stand_in.sdk.submit.side_effect = RuntimeError("service refused")
    with pytest.raises(RuntimeError, match="service refused"):
        gce.submit(add, {"num_nodes": 3}, 1)
    assert stand_in.sdk.resource_specification is None
    assert stand_in.sdk.user_endpoint_config is None


def test_malformed_endpoint_config_is_refused_before_submit(stand_in: Any) -> None:
    gce = GlobusComputeExecutor(stand_in.sdk)
    with pytest.raises(InvalidResourceSpecification, match="user_endpoint_config"):
        gce.submit(add, {"user_endpoint_config": ["not", "a", "mapping"]}, 1)
    stand_in.sdk.submit.assert_not_called()


def test_shutdown_cancels_unsent_tasks_and_stops_the_result_watcher(stand_in: Any) -> None:
    gce = GlobusComputeExecutor(stand_in.sdk)
    gce.shutdown()
    stand_in.sdk.shutdown.assert_called_once_with(wait=False, cancel_futures=True)
    stand_in.sdk._get_result_watcher.return_value.shutdown.assert_called_once_with(wait=False, cancel_futures=True)


def test_the_stand_in_is_spec_d() -> None:
    from globus_compute_sdk import Executor

    sdk = mock.create_autospec(Executor, instance=True)
    with pytest.raises(AttributeError):
        sdk.not_an_sdk_method()
