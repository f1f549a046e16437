"""Bash apps: command lines, std streams, exit codes, formatting errors, outputs, walltime."""

from __future__ import annotations

import os

import pytest

import parsl
from parsl import File, bash_app
from parsl.app.bash import BashApp
from parsl.app.errors import (
    AppBadFormatting,
    AppTimeout,
    BadStdStreamFile,
    BashAppNoReturn,
    BashExitFailure,
    MissingOutputs,
)


@bash_app
def echo(message, stdout=None, stderr=None):
    return f"echo {message}; echo to-err 1>&2"


@bash_app()
def exit_with(code):
    return f"exit {code}"


@bash_app
def touch(outputs=()):
    return " ".join(f"touch {f.filepath}" for f in outputs)


@bash_app
def claim_outputs(outputs=()):
    return "true"


@bash_app
def no_return():
    pass


@bash_app
def not_a_string():
    return 42


@bash_app
def bad_index(items=(1,)):
    return f"echo {items[5]}"


@bash_app
def bad_attribute(x=None):
    return f"echo {x.missing}"


@bash_app
def sleeper(walltime=None):
    return "sleep 30"


@bash_app
def default_formatted(name="world"):
    return f"test {name} = world"


def test_bash_app_writes_stdout_and_stderr_files(dfk, tmp_path):
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    assert isinstance(echo, BashApp)
    assert echo("hello", stdout=str(out), stderr=str(err)).result() == 0
    assert out.read_text() == "hello\n"
    assert "to-err" in err.read_text() and "executable follows" in err.read_text()


def test_stdout_tuple_mode_and_append(dfk, tmp_path):
    out = tmp_path / "out.txt"
    echo("one", stdout=str(out)).result()
    echo("two", stdout=str(out)).result()  # default mode appends
    assert out.read_text() == "one\ntwo\n"
    echo("three", stdout=(str(out), "w")).result()
    assert out.read_text() == "three\n"


def test_stdout_as_file_and_pathlike(dfk, tmp_path):
    fut = echo("via-file", stdout=File(str(tmp_path / "f.txt")))
    assert fut.result() == 0
    assert (tmp_path / "f.txt").read_text() == "via-file\n"
    assert fut.stdout.result().filepath == str(tmp_path / "f.txt")
    echo("via-path", stdout=tmp_path / "p.txt").result()
    assert (tmp_path / "p.txt").read_text() == "via-path\n"


def test_auto_logname_for_bash(dfk):
    fut = echo("auto", stdout=parsl.AUTO_LOGNAME, stderr=parsl.AUTO_LOGNAME)
    fut.result()
    assert fut.stdout == os.path.join(dfk.run_dir, "task_logs", "0000", "task_0000_echo.stdout")
    with open(fut.stdout) as f:
        assert f.read() == "auto\n"


def test_non_zero_exit_is_bash_exit_failure(dfk):
    with pytest.raises(BashExitFailure) as info:
        exit_with(3).result()
    assert info.value.exitcode == 3
    assert "exit_with" in str(info.value) and "3" in str(info.value)


def test_outputs_are_checked(dfk, tmp_path):
    made = File(str(tmp_path / "made.txt"))
    fut = touch(outputs=[made])
    assert fut.result() == 0
    assert fut.outputs[0].result().filepath == made.filepath
    with pytest.raises(MissingOutputs) as info:
        claim_outputs(outputs=[File(str(tmp_path / "never.txt"))]).result()
    assert "never.txt" in str(info.value)


def test_returning_none_is_bash_app_no_return(dfk):
    with pytest.raises(BashAppNoReturn, match="no_return"):
        no_return().result()


def test_returning_a_non_string_is_a_value_error(dfk):
    with pytest.raises(ValueError, match="Expected a str"):
        not_a_string().result()


def test_formatting_errors_are_app_bad_formatting(dfk):
    with pytest.raises(AppBadFormatting, match="IndexError"):
        bad_index().result()
    with pytest.raises(AppBadFormatting, match="AttributeError"):
        bad_attribute().result()


def test_unopenable_stream_is_bad_std_stream_file(dfk, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(BadStdStreamFile, match="a-file"):
        echo("x", stdout=str(blocker / "under-a-file.txt")).result()
    with pytest.raises(BadStdStreamFile, match="tuple length"):
        echo("x", stdout=("a", "b", "c")).result()


def test_walltime_kills_the_command(dfk):
    with pytest.raises(AppTimeout, match="walltime"):
        sleeper(walltime=0.3).result(timeout=20)


def test_keyword_defaults_reach_the_command(dfk):
    assert default_formatted().result() == 0
    with pytest.raises(BashExitFailure):
        default_formatted(name="mars").result()
