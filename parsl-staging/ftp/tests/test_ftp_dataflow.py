"""FTP staging inside real workflows: separate staging tasks in and out, driven by the DFK."""

from __future__ import annotations

import pytest

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.data_provider.files import File
from parsl.data_provider.staging_errors import StagingError
from parsl.dataflow.errors import DependencyError
from parsl.executors.threads import ThreadPoolExecutor
from parsl_staging_ftp import FTPInTaskStaging, FTPSeparateTaskStaging


@pytest.fixture
def workflow(tmp_path):
    dfks = []

    def load(provider):
        executor = ThreadPoolExecutor(label="pool", storage_access=[provider], working_dir=str(tmp_path / "work"))
        dfks.append(parsl.load(Config(executors=[executor], run_dir=str(tmp_path / "runinfo"))))

    yield load
    for dfk in dfks:
        dfk.cleanup()


@python_app
def upper(inputs=(), outputs=()):
    with open(inputs[0]) as src, open(outputs[0], "w") as dst:
        dst.write(src.read().upper())
    return "ok"


@pytest.mark.parametrize("provider", [FTPSeparateTaskStaging(cache_size=0), FTPInTaskStaging(cache_size=0)],
                         ids=["separate-task", "in-task"])
def test_download_transform_upload(ftp_server, workflow, provider):
    (ftp_server.root / "in.txt").write_text("shout")
    workflow(provider)
    fut = upper(inputs=[File(f"{ftp_server.user}/in.txt")], outputs=[File(f"{ftp_server.user}/out.txt")])
    assert fut.result(timeout=60) == "ok"
    fut.outputs[0].result(timeout=60)           # the stage-out has completed
    assert (ftp_server.root / "out.txt").read_text() == "SHOUT"


def test_login_failure_fails_only_that_task(ftp_server, workflow):
    (ftp_server.root / "in.txt").write_text("x")
    workflow(FTPSeparateTaskStaging(cache_size=0))
    bad_url = f"ftp://alice:nope@127.0.0.1:{ftp_server.port}/in.txt"
    bad = upper(inputs=[File(bad_url)], outputs=[File(f"{ftp_server.user}/bad.txt")])
    good = upper(inputs=[File(f"{ftp_server.anon}/in.txt")], outputs=[File(f"{ftp_server.user}/good.txt")])
    with pytest.raises(DependencyError) as info:
        bad.result(timeout=60)
    assert str(info.value.__cause__) == (f"staging in ftp://alice:***@127.0.0.1:{ftp_server.port}/in.txt failed: "
                                         "530 Authentication failed.")
    assert good.result(timeout=60) == "ok"
    good.outputs[0].result(timeout=60)
    assert (ftp_server.root / "good.txt").read_text() == "X"
    with pytest.raises(DependencyError):
        bad.outputs[0].result(timeout=60)        # nothing is uploaded for the failed task
    assert not (ftp_server.root / "bad.txt").exists()


def test_forbidden_upload_fails_the_task_and_its_output_future(ftp_server, workflow):
    (ftp_server.root / "in.txt").write_text("y")
    workflow(FTPSeparateTaskStaging(cache_size=0))
    fut = upper(inputs=[File(f"{ftp_server.anon}/in.txt")], outputs=[File(f"{ftp_server.anon}/denied.txt")])
    # stage-out completes before the app future resolves, so its failure fails the task too
    with pytest.raises(StagingError, match=r"staging out ftp://127.0.0.1:\d+/denied.txt failed: 550 "):
        fut.result(timeout=60)
    with pytest.raises(StagingError, match=r"staging out ftp://127.0.0.1:\d+/denied.txt failed: 550 "):
        fut.outputs[0].result(timeout=60)
