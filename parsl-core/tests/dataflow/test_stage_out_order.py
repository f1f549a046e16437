"""Stage-out completes before the app future resolves; a failed stage-out fails the task (issue 7)."""

from __future__ import annotations

import os
import threading

import pytest

from parsl import File, python_app
from parsl.app.app import bash_app
from parsl.data_provider.staging import Staging
from parsl.data_provider.staging_errors import StagingError
from parsl.data_provider.zip import ZipAuthorityError, ZipFileStaging
from parsl.dataflow.errors import DependencyError
from parsl.executors.threads import ThreadPoolExecutor


class PushStaging(Staging):
    """Stages ``push://name`` outputs out by calling ``push(name, local_path)`` in a staging task."""

    def __init__(self, directory, push):
        self.directory = directory
        self.push = push

    def can_stage_out(self, file):
        return file.scheme == "push"

    def stage_out(self, dm, executor, file, app_fu):
        file.local_path = os.path.join(self.directory, file.netloc)
        return dm.submit_staging_task(_push_task, self.push, file.netloc, file.local_path, app_fu)


def _push_task(push, name, path, parent):
    push(name, path)


@python_app
def write(text, outputs=()):
    with open(outputs[0], "w") as f:
        f.write(text)
    return "written"


@python_app
def fail_writing(outputs=()):
    raise ValueError("the app itself failed")


@python_app
def after(x):
    return x


def _stager_dfk(make_dfk, tmp_path, push):
    return make_dfk(executors=[ThreadPoolExecutor(storage_access=[PushStaging(str(tmp_path), push)])])


def test_app_future_resolves_only_after_stage_out(make_dfk, tmp_path):
    started, release = threading.Event(), threading.Event()
    store = {}

    def push(name, path):
        started.set()
        assert release.wait(30)
        with open(path) as f:
            store[name] = f.read()

    _stager_dfk(make_dfk, tmp_path, push)
    fut = write("pushed", outputs=[File("push://result")])
    assert started.wait(30)
    assert not fut.done()  # the app has run; its stage-out has not finished
    assert not fut.outputs[0].done()
    release.set()
    assert fut.result() == "written"
    assert store == {"result": "pushed"}  # already there when the AppFuture resolved
    assert fut.outputs[0].done()
    assert fut.task_status() == "exec_done"


def test_stdout_file_stage_out_is_awaited_too(make_dfk, tmp_path):
    store = {}

    def push(name, path):
        with open(path) as f:
            store[name] = f.read()

    _stager_dfk(make_dfk, tmp_path, push)

    @bash_app
    def echo(stdout=None):
        return "echo hello"

    fut = echo(stdout=File("push://log"))
    assert fut.result() == 0
    assert store == {"log": "hello\n"}
    assert fut.stdout.done()


def test_a_staged_file_s_data_future_completes_after_the_app_future(make_dfk, tmp_path):
    _stager_dfk(make_dfk, tmp_path, lambda name, path: None)
    app_done_then = threading.Event()
    fut = write("x", outputs=[File("push://out")])
    fut.outputs[0].add_done_callback(lambda _: fut.done() and app_done_then.set())
    assert fut.outputs[0].result().url == "push://out"
    assert app_done_then.is_set()  # Parsl's own suite relies on this order


def test_a_failed_stage_out_fails_the_app_future_naming_url_and_cause(make_dfk, tmp_path):
    def push(name, path):
        raise ConnectionRefusedError(111, "Connection refused")

    _stager_dfk(make_dfk, tmp_path, push)
    fut = write("lost", outputs=[File("push://result")])
    with pytest.raises(StagingError) as info:
        fut.result()
    assert info.value.url == "push://result"
    assert str(info.value) == "staging out push://result failed: Connection refused"
    assert isinstance(info.value.__cause__, ConnectionRefusedError)
    assert fut.task_status() == "failed"
    with pytest.raises(ConnectionRefusedError):
        fut.outputs[0].result()
    with pytest.raises(DependencyError) as dep:
        after(fut).result()
    assert str(dep.value) == (f"Dependency failure for task {fut.tid + 2} with failed dependencies from task "
                              f"{fut.tid}: StagingError: staging out push://result failed: Connection refused")


def test_a_staging_error_from_the_provider_is_kept(make_dfk, tmp_path):
    def push(name, path):
        raise StagingError(f"push://{name}", "HTTP 507 Insufficient Storage", direction="out")

    _stager_dfk(make_dfk, tmp_path, push)
    with pytest.raises(StagingError, match=r"^staging out push://result failed: HTTP 507 Insufficient Storage$"):
        write("lost", outputs=[File("push://result")]).result()


def test_an_app_failure_is_reported_not_its_skipped_stage_out(make_dfk, tmp_path):
    pushed = []
    _stager_dfk(make_dfk, tmp_path, lambda name, path: pushed.append(name))
    fut = fail_writing(outputs=[File("push://result")])
    with pytest.raises(ValueError, match="the app itself failed"):
        fut.result()
    with pytest.raises(DependencyError):
        fut.outputs[0].result()  # the stage-out never ran: it depended on the app
    assert pushed == []


def test_an_error_raised_at_the_call_does_not_strand_planned_stage_outs(make_dfk, tmp_path):
    pushed = []
    dfk = _stager_dfk(make_dfk, tmp_path, lambda name, path: pushed.append(name))
    dfk.executors["threads"].storage_access.append(ZipFileStaging())
    with pytest.raises(ZipAuthorityError):
        write("x", outputs=[File("push://first"), File("zip://host/a.zip/b")])
    dfk.wait_for_current_tasks()  # the staging task planned for push://first has finished (failed)
    assert pushed == []
