"""GlobusStaging inside a workflow: staging tasks on ``_parsl_internal`` against recorded responses."""

from __future__ import annotations

import json

import pytest

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.data_provider.files import File
from parsl.data_provider.staging_errors import StagingError
from parsl.dataflow.errors import DependencyError
from parsl.executors.threads import ThreadPoolExecutor
from parsl_staging_globus import GlobusStaging

from .conftest import TASK_ID

SRC = "a6f165fa-aee2-4fe5-95f3-97429c28bf82"
EXEC_EP = "ddb59aef-6d04-11e5-ba46-22000b92c6ec"


@pytest.fixture
def workflow(tmp_path):
    provider = GlobusStaging(endpoint_uuid=EXEC_EP)
    provider.poll_interval = 0.01
    executor = ThreadPoolExecutor(label="pool", storage_access=[provider], working_dir=str(tmp_path / "work"))
    dfk = parsl.load(Config(executors=[executor], run_dir=str(tmp_path / "runinfo")))
    yield tmp_path / "work"
    dfk.cleanup()


@python_app
def where(inputs=(), outputs=()):
    return [f.filepath for f in (*inputs, *outputs)]


def test_stage_in_then_app_then_stage_out(globus, logged_in, workflow):
    globus.reply("GET", "/v0.10/submission_id", (200, "submission_id"))
    globus.reply("POST", "/v0.10/transfer", (202, "transfer_accepted"))
    globus.reply("GET", f"/v0.10/task/{TASK_ID}", (200, "task_succeeded"))
    fut = where(inputs=[File(f"globus://{SRC}/~/data/in.h5")], outputs=[File(f"globus://{SRC}/~/results/out.h5")])
    assert fut.result(timeout=60) == [str(workflow / "in.h5"), str(workflow / "out.h5")]
    fut.outputs[0].result(timeout=60)
    submitted = [json.loads(r.body) for r in globus.sent("POST", "/v0.10/transfer")]
    assert [(d["source_endpoint"], d["destination_endpoint"]) for d in submitted] == [(SRC, EXEC_EP), (EXEC_EP, SRC)]
    assert submitted[1]["DATA"][0] == {**submitted[1]["DATA"][0], "source_path": str(workflow / "out.h5"),
                                       "destination_path": "/~/results/out.h5"}


def test_failed_transfer_fails_the_task_with_globus_reason(globus, logged_in, workflow):
    globus.reply("GET", "/v0.10/submission_id", (200, "submission_id"))
    globus.reply("POST", "/v0.10/transfer", (202, "transfer_accepted"))
    globus.reply("GET", f"/v0.10/task/{TASK_ID}", (200, "task_failed"))
    globus.reply("GET", f"/v0.10/task/{TASK_ID}/event_list", (200, "events_failed"))
    fut = where(inputs=[File(f"globus://{SRC}/~/data/missing.h5")])
    with pytest.raises(DependencyError) as info:
        fut.result(timeout=60)
    assert isinstance(info.value.__cause__, StagingError)
    assert f"globus://{SRC}/~/data/missing.h5 failed: Globus task {TASK_ID} ended FAILED: file not found" \
        in str(info.value.__cause__)
