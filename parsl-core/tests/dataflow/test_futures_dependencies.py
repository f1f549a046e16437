"""AppFuture, DataFuture, lifted operations, foreign futures, shallow and deep dependency resolution."""

from __future__ import annotations

import concurrent.futures
import sys
import threading

import pytest

from parsl import File, python_app
from parsl.app.futures import DataFuture
from parsl.dataflow.dependency_resolvers import DEEP_DEPENDENCY_RESOLVER
from parsl.dataflow.errors import DependencyError
from parsl.dataflow.futures import AppFuture
from parsl.dataflow.states import States


@python_app
def ident(x):
    return x


@python_app
def add(a, b):
    return a + b


@python_app
def total(items=(), inputs=()):
    return sum(items) + sum(inputs)


@python_app
def fail(message="failed on purpose"):
    raise RuntimeError(message)


@python_app
def blocked(event):
    event.wait(10)
    return 1


@python_app
def write(path, outputs=()):
    with open(outputs[0], "w") as f:
        f.write(path)


class Point:
    def __init__(self, x):
        self.x = x


def test_app_future_basics(dfk):
    event = threading.Event()
    fut = blocked(event)
    assert isinstance(fut, AppFuture) and isinstance(fut, concurrent.futures.Future)
    assert fut.tid == 0
    assert fut.task_status() in ("pending", "launched")
    assert not fut.done() and not fut.cancelled()
    with pytest.raises(NotImplementedError):
        fut.cancel()
    event.set()
    assert fut.result() == 1
    assert fut.task_status() == "exec_done"
    assert fut.outputs == () or list(fut.outputs) == []
    assert fut.stdout is None and fut.stderr is None


def test_app_future_works_with_concurrent_futures_wait_and_as_completed(dfk):
    futures = [ident(i) for i in range(20)]
    done, not_done = concurrent.futures.wait(futures, timeout=10)
    assert len(done) == 20 and not not_done
    assert sorted(f.result() for f in concurrent.futures.as_completed([ident(i) for i in range(5)])) == [0, 1, 2, 3, 4]


def test_lifted_getitem_and_getattr(dfk):
    assert ident({"a": [10, 20]})["a"][1].result() == 20
    assert ident(Point(7)).x.result() == 7
    with pytest.raises(AttributeError):
        _ = ident(1)._private


def test_lifted_failure_propagates(dfk):
    with pytest.raises(DependencyError):
        ident({})["missing"]["deeper"].result()


def test_futures_as_args_kwargs_and_inputs(dfk):
    a, b = ident(1), ident(2)
    assert add(a, b=b).result() == 3
    assert total(inputs=[ident(3), 4, ident(5)]).result() == 12


def test_any_concurrent_future_is_a_dependency(dfk):
    foreign: concurrent.futures.Future = concurrent.futures.Future()
    fut = add(foreign, 1)
    assert fut.task_status() == "pending"
    foreign.set_result(41)
    assert fut.result() == 42


def test_a_failed_foreign_future_is_described(dfk):
    foreign: concurrent.futures.Future = concurrent.futures.Future()
    foreign.set_exception(OSError("disk"))
    with pytest.raises(DependencyError) as info:
        add(foreign, 1).result()
    assert isinstance(info.value.__cause__, OSError)
    assert "Future" in info.value.dependent_exceptions_tids[0][1]


def test_shallow_resolver_leaves_nested_futures(dfk):
    inner = ident(1)
    inner.result()
    result = ident([inner]).result()
    assert result[0] is inner


def test_deep_resolver_resolves_nested_futures(make_dfk):
    make_dfk(dependency_resolver=DEEP_DEPENDENCY_RESOLVER)
    nested = {"k": [ident(1), (ident(2),), {ident(3)}], ident("key"): 4}
    assert total(items=[ident(1), ident(2)]).result() == 3
    assert ident(nested).result() == {"k": [1, (2,), {3}], "key": 4}


def test_dependency_error_names_failed_tasks(dfk):
    bad1, bad2 = fail("first"), fail("second")
    with pytest.raises(DependencyError) as info:
        add(bad1, bad2).result()
    err = info.value
    assert {tid for _, tid in err.dependent_exceptions_tids} == {"task 0", "task 1"}
    assert err.task_id == 2
    assert str(err) == ("Dependency failure for task 2 with failed dependencies from task 0 (+ others): "
                        "RuntimeError: first")
    assert isinstance(err.__cause__, RuntimeError)


def test_dependency_failure_chain_reports_root_cause(make_dfk):
    dfk = make_dfk(garbage_collect=False)
    fut = fail("root")
    for _ in range(3):
        fut = ident(fut)
    with pytest.raises(DependencyError) as info:
        fut.result()
    assert str(info.value.__cause__) == "root"
    assert str(info.value) == ("Dependency failure for task 3 with failed dependencies from "
                               "task 2 <- task 1 <- task 0: RuntimeError: root")
    assert dfk.tasks[3]["status"] is States.dep_fail


def test_a_long_failing_chain_does_not_recurse(dfk):
    fut = fail()
    for _ in range(max(2000, sys.getrecursionlimit())):
        fut = ident(fut)
    with pytest.raises(DependencyError):
        fut.result(timeout=60)


def test_a_long_chain_runs(dfk):
    fut = ident(0)
    for _ in range(500):
        fut = add(fut, 1)
    assert fut.result(timeout=60) == 500


def test_output_data_futures(dfk, tmp_path):
    target = File(str(tmp_path / "out.txt"))
    fut = write("content", outputs=[target])
    [df] = fut.outputs
    assert isinstance(df, DataFuture)
    assert df.tid == fut.tid
    assert df.result() is target
    assert df.filepath == df.filename == str(tmp_path / "out.txt")
    assert "DataFuture" in repr(df)
    with pytest.raises(NotImplementedError):
        df.cancel()
    assert (tmp_path / "out.txt").read_text() == "content"


def test_data_future_as_an_input(dfk, tmp_path):
    @python_app
    def read(inputs=()):
        with open(inputs[0]) as f:
            return f.read()

    produced = write("passed along", outputs=[File(str(tmp_path / "x.txt"))]).outputs[0]
    assert read(inputs=[produced]).result() == "passed along"


def test_data_future_fails_with_its_parent(dfk, tmp_path):
    @python_app
    def broken(outputs=()):
        raise ValueError("no file")

    [df] = broken(outputs=[File(str(tmp_path / "y.txt"))]).outputs
    with pytest.raises(ValueError, match="no file"):
        df.result()


def test_data_future_needs_a_file():
    with pytest.raises(TypeError, match="File"):
        DataFuture(concurrent.futures.Future(), "not-a-file", tid=1)  # type: ignore[arg-type]


def test_dependency_error_message_carries_a_staging_failure(make_dfk, tmp_path):
    from parsl.data_provider.staging import Staging
    from parsl.data_provider.staging_errors import StagingError
    from parsl.executors.threads import ThreadPoolExecutor

    def refuse(parent_fut=None, outputs=()):
        raise StagingError("https://example.org/data.csv", "HTTP 404 Not Found")

    class Refusing(Staging):
        def can_stage_in(self, file):
            return file.scheme == "https"

        def stage_in(self, dm, executor, file, parent_fut):
            file.local_path = str(tmp_path / file.filename)
            return dm.stage_in_task(file, parent_fut, refuse)

    make_dfk(executors=[ThreadPoolExecutor(storage_access=[Refusing()])])
    with pytest.raises(DependencyError) as info:
        total(inputs=[File("https://example.org/data.csv")]).result()
    assert str(info.value) == ("Dependency failure for task 0 with failed dependencies from DataFuture from task 1: "
                               "StagingError: staging in https://example.org/data.csv failed: HTTP 404 Not Found")


def test_dependency_error_message_without_text_names_the_type(dfk):
    @python_app
    def bare():
        raise LookupError()

    with pytest.raises(DependencyError, match=r"from task 0: LookupError$"):
        ident(bare()).result()

