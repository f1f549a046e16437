"""``DataFlowKernel.submit_internal``: Parsl's own tasks, without the app layer and unstaged."""

from __future__ import annotations

import threading

from parsl.app.futures import DataFuture
from parsl.data_provider.files import File
from parsl.dataflow.internal import INTERNAL_EXECUTOR
from parsl.dataflow.states import States


def where(outputs=()):
    return threading.current_thread().name, [f.url for f in outputs]


def test_an_internal_task_runs_on_the_internal_executor_with_its_files_unstaged(dfk):
    out = File("nosuchscheme://host/result.dat")  # no stager accepts it: staging would fail the task
    fut = dfk.submit_internal(where, outputs=[out])
    thread, urls = fut.result()
    assert thread.startswith(f"ThreadPoolExecutor-{INTERNAL_EXECUTOR}")
    assert urls == ["nosuchscheme://host/result.dat"]
    assert fut.task_record.executor == INTERNAL_EXECUTOR
    assert fut.task_status() == States.exec_done.name
    (df,) = fut.outputs
    assert isinstance(df, DataFuture) and df.result() is out and df.tid == fut.tid


def test_an_internal_task_waits_for_its_future_arguments_and_reports_its_failure(dfk):
    gate = dfk.submit_internal(lambda: 20)
    assert dfk.submit_internal(lambda x, y=0: x + y, gate, y=1).result() == 21

    def refuse():
        raise RuntimeError("no, thanks")

    failed = dfk.submit_internal(refuse)
    assert isinstance(failed.exception(), RuntimeError) and str(failed.exception()) == "no, thanks"
    assert failed.task_status() == States.failed.name


def test_a_user_app_call_still_stages_its_files(dfk):
    from parsl.errors import NoStagingProvider

    fut = dfk.submit(where, (), app_kwargs={"outputs": [File("nosuchscheme://host/x")]})
    assert isinstance(fut.exception(), NoStagingProvider)
