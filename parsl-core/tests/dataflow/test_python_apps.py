"""Python apps: decorator forms, executors=, special keyword arguments, walltime, bad input."""

from __future__ import annotations

import os
import threading

import pytest

import parsl
from parsl import python_app
from parsl.app.errors import AppTimeout
from parsl.app.python import PythonApp
from parsl.executors.errors import InvalidResourceSpecification
from parsl.executors.threads import ThreadPoolExecutor


@python_app
def plain(x):
    return x + 1


@python_app()
def with_parens(x):
    return x * 10


@python_app(executors=["alpha"])
def on_alpha():
    return threading.current_thread().name


@python_app(executors=["beta"])
def on_beta():
    return threading.current_thread().name


@python_app
def spin(seconds, walltime=None):
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "finished"


@python_app
def with_defaults(a, b=2, *, c=3):
    return (a, b, c)


@python_app
def no_op(parsl_resource_specification=None):
    return None


@python_app
def log_paths(stdout=None, stderr=None):
    return stdout, stderr


def test_decorator_with_and_without_parentheses(dfk):
    assert isinstance(plain, PythonApp) and isinstance(with_parens, PythonApp)
    assert plain(1).result() == 2
    assert with_parens(2).result() == 20


def test_apps_keep_the_function_name_and_doc():
    @python_app
    def documented():
        """The docstring."""

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "The docstring."


def test_executors_labels_route_tasks(make_dfk):
    make_dfk(executors=[ThreadPoolExecutor(label="alpha", thread_name_prefix="ALPHA"),
                        ThreadPoolExecutor(label="beta", thread_name_prefix="BETA")])
    assert on_alpha().result().startswith("ALPHA")
    assert on_beta().result().startswith("BETA")


def test_all_executors_excludes_the_internal_one(make_dfk):
    make_dfk(executors=[ThreadPoolExecutor(label="only", thread_name_prefix="ONLY")])
    names = {python_app(lambda: threading.current_thread().name)().result() for _ in range(20)}
    assert all(n.startswith("ONLY") for n in names)


def test_unknown_executor_label_fails_the_task_naming_it(dfk):
    fut = python_app(lambda: 1, executors=["nowhere"])()
    with pytest.raises(ValueError, match=r"'nowhere'.*not configured"):
        fut.result()
    assert plain(1).result() == 2  # other tasks unaffected


def test_positional_keyword_and_default_arguments(dfk):
    assert with_defaults(1).result() == (1, 2, 3)
    assert with_defaults(1, 5, c=7).result() == (1, 5, 7)


def test_walltime_exceeded_raises_app_timeout(dfk):
    with pytest.raises(AppTimeout):
        spin(30, walltime=0.2).result(timeout=20)


def test_walltime_not_exceeded(dfk):
    assert spin(0, walltime=5).result() == "finished"


def test_resource_specification_is_rejected_by_threads(dfk):
    with pytest.raises(InvalidResourceSpecification, match="cores"):
        no_op(parsl_resource_specification={"cores": 2}).result()
    assert no_op(parsl_resource_specification={}).result() is None


def test_auto_logname_paths(dfk):
    out, err = log_paths(stdout=parsl.AUTO_LOGNAME, stderr=parsl.AUTO_LOGNAME).result()
    tid_dir = os.path.join(dfk.run_dir, "task_logs", "0000")
    assert os.path.dirname(out) == tid_dir
    assert os.path.basename(out) == "task_0000_log_paths.stdout"
    assert os.path.basename(err) == "task_0000_log_paths.stderr"


def test_auto_logname_with_label_and_custom_std_autopath(make_dfk):
    seen = []

    def autopath(task_record, kw):
        seen.append((task_record["id"], kw))
        return f"/custom/{task_record['func_name']}.{kw}"

    make_dfk(std_autopath=autopath)
    out, _ = log_paths(stdout=parsl.AUTO_LOGNAME).result()
    assert out == "/custom/log_paths.stdout"
    assert seen == [(0, "stdout")]


def test_non_callable_to_a_decorator_is_a_type_error():
    with pytest.raises(TypeError, match="callable"):
        python_app(42)
    with pytest.raises(TypeError, match="callable"):
        parsl.bash_app("echo hi")
    with pytest.raises(TypeError, match="callable"):
        parsl.join_app(None or [1])


def test_bad_decorator_arguments_are_type_errors():
    with pytest.raises(TypeError, match="executors"):
        python_app(executors="threads")(lambda: 1)
    with pytest.raises(TypeError, match="cache"):
        python_app(cache="yes")(lambda: 1)
    with pytest.raises(TypeError, match="ignore_for_cache"):
        python_app(ignore_for_cache="stdout")(lambda: 1)


def test_app_exception_keeps_type_and_traceback(dfk):
    @python_app
    def failing_deep():
        def inner():
            raise KeyError("the key")
        inner()

    with pytest.raises(KeyError, match="the key") as info:
        failing_deep().result()
    assert "inner" in [entry.name for entry in info.traceback]


def test_an_explicit_data_flow_kernel_is_used(dfk):
    app = python_app(lambda: "explicit", data_flow_kernel=dfk)
    assert app().result() == "explicit"
