"""HTTP staging inside real workflows: the DataFlowKernel drives the providers."""

from __future__ import annotations

import os

import pytest

from parsl import python_app
from parsl.data_provider.file_noop import NoOpFileStaging
from parsl.data_provider.files import File
from parsl.data_provider.staging_errors import StagingError
from parsl.dataflow.errors import DependencyError
from parsl.dataflow.internal import INTERNAL_EXECUTOR
from parsl.dataflow.states import States
from parsl.plugins import hookimpl
from parsl.plugins.monitor import Monitor
from parsl_staging_http import HTTPInTaskStaging, HTTPSeparateTaskStaging


@python_app
def read_text(inputs=()):
    with open(inputs[0]) as f:
        return f.read()


class StateLog(Monitor):
    """Records every task state transition the DataFlowKernel reports to monitors."""

    def __init__(self) -> None:
        self.events: list[tuple[int, str, str, States]] = []

    @hookimpl
    def parsl_task_state(self, dfk, task_record, state):
        self.events.append((task_record["id"], task_record["func_name"], task_record["executor"], state))


def test_separate_task_stage_in_is_a_task_seen_by_monitors(http_server, run_workflow, tmp_path):
    url = http_server.put("greeting.txt", b"hello from http")
    log = StateLog()
    run_workflow([NoOpFileStaging(), HTTPSeparateTaskStaging(cache_dir=str(tmp_path / "cache"))], monitoring=log)
    fut = read_text(inputs=[File(url)])
    assert fut.result(timeout=60) == "hello from http"
    assert os.path.isfile(os.path.join(tmp_path / "work", "greeting.txt"))
    staging = [(tid, s) for tid, name, ex, s in log.events if name == "stage_in_task" and ex == INTERNAL_EXECUTOR]
    app = [(tid, s) for tid, name, ex, s in log.events if name == "read_text"]
    assert [s for _, s in staging][-1] == States.exec_done and [s for _, s in app][-1] == States.exec_done
    # the app launches only after its stage-in task is done
    order = [(tid, s) for tid, _, _, s in log.events]
    assert order.index((staging[0][0], States.exec_done)) < order.index((app[0][0], States.launched))


def test_stage_in_dependency_chain_and_cache(http_server, run_workflow, tmp_path):
    url = http_server.put("numbers.txt", b"1 2 3")
    run_workflow([HTTPSeparateTaskStaging(cache_dir=str(tmp_path / "cache"))])
    results = [read_text(inputs=[File(url)]) for _ in range(4)]
    assert [r.result(timeout=60) for r in results] == ["1 2 3"] * 4
    assert 1 <= http_server.hits["/numbers.txt"] <= 4
    assert read_text(inputs=[File(url)]).result(timeout=60) == "1 2 3"
    before = http_server.hits["/numbers.txt"]
    read_text(inputs=[File(url)]).result(timeout=60)
    assert http_server.hits["/numbers.txt"] == before   # served from the node cache


def test_404_fails_that_task_only_naming_url_and_cause(http_server, run_workflow):
    good = http_server.put("ok.txt", b"fine")
    missing = f"{http_server.url}/missing.txt"
    run_workflow([HTTPSeparateTaskStaging(cache_size=0)])
    bad_fut = read_text(inputs=[File(missing)])
    good_fut = read_text(inputs=[File(good)])
    with pytest.raises(DependencyError) as info:
        bad_fut.result(timeout=60)
    cause = info.value.__cause__
    assert isinstance(cause, StagingError)
    assert str(cause) == f"staging in {missing} failed: HTTP 404 File not found"
    assert good_fut.result(timeout=60) == "fine"


def test_in_task_staging_through_the_dfk(http_server, run_workflow):
    url = http_server.put("in-task.txt", b"wrapped")
    run_workflow([HTTPInTaskStaging(cache_size=0)])
    assert read_text(inputs=[File(url)]).result(timeout=60) == "wrapped"
    with pytest.raises(StagingError, match="HTTP 404"):
        read_text(inputs=[File(f"{http_server.url}/absent.txt")]).result(timeout=60)


def test_default_staging_list_includes_http(http_server, run_workflow):
    url = http_server.put("default.txt", b"by default")
    run_workflow(None)
    assert read_text(inputs=[File(url)]).result(timeout=60) == "by default"


def test_stage_in_file_is_a_data_future(http_server, run_workflow):
    url = http_server.put("df.txt", b"x")
    run_workflow([HTTPSeparateTaskStaging(cache_size=0)])

    @python_app
    def passthrough(inputs=()):
        return inputs[0].filepath

    source = File(url)
    fut = passthrough(inputs=[source])
    path = fut.result(timeout=60)
    assert path.endswith("df.txt") and os.path.isfile(path)
    assert source.local_path is None          # the caller's File is not mutated by staging
