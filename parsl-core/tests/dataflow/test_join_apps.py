"""Join apps: run on the internal executor, finish with the futures they return."""

from __future__ import annotations

import threading

import pytest

from parsl import join_app, python_app
from parsl.dataflow.errors import JoinError


@python_app
def square(x):
    return x * x


@python_app
def explode(x):
    raise ValueError(f"bad {x}")


@join_app
def one(x):
    return square(x)


@join_app()
def many(n):
    return [square(i) for i in range(n)]


@join_app
def nothing():
    return []


@join_app
def not_futures():
    return 42


@join_app
def some_fail():
    return [square(2), explode(1), explode(2)]


@join_app
def where():
    name = threading.current_thread().name
    return python_app(lambda: name)()


@join_app
def nested(depth):
    if depth == 0:
        return square(3)
    return nested(depth - 1)


def test_join_on_one_future(dfk):
    assert one(4).result() == 16


def test_join_on_a_list(dfk):
    assert many(4).result() == [0, 1, 4, 9]


def test_join_on_an_empty_list(dfk):
    assert nothing().result() == []


def test_join_returning_something_else_is_a_type_error(dfk):
    with pytest.raises(TypeError, match="join_app body must return a Future"):
        not_futures().result()


def test_join_error_names_the_failed_inner_tasks(dfk):
    fut = some_fail()
    with pytest.raises(JoinError) as info:
        fut.result()
    tids = [tid for _, tid in info.value.dependent_exceptions_tids]
    assert len(tids) == 2 and all(t.startswith("task ") for t in tids)
    assert isinstance(info.value.__cause__, ValueError)
    expected = f"Join failure for task {fut.tid} with failed joined futures from {tids[0]} (+ others): "
    assert str(info.value).startswith(expected)
    assert str(info.value).endswith(f": ValueError: {info.value.__cause__}")


def test_join_apps_run_on_the_internal_executor(dfk):
    assert where().result().startswith("ThreadPoolExecutor-_parsl_internal")


def test_nested_joins(dfk):
    assert nested(5).result() == 9
