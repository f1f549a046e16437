"""Checkpoint modes, restart from checkpoint files, the legacy Config keywords."""

from __future__ import annotations

import os
import pickle
import threading
import warnings

import pytest

from parsl import python_app
from parsl.config import Config
from parsl.dataflow.errors import BadCheckpoint
from parsl.dataflow.memoization import BasicMemoizer
from parsl.dataflow.states import States
from parsl.errors import ConfigurationError
from parsl.utils import get_all_checkpoints, get_last_checkpoint

CALLS = []


@python_app(cache=True)
def square(x):
    CALLS.append(x)
    return x * x


@python_app(cache=True)
def raises(x):
    raise ValueError(x)


@python_app(cache=True)
def unpicklable(x):
    return threading.Lock()


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def checkpoint_file(dfk):
    return os.path.join(dfk.run_dir, "checkpoint", "tasks.pkl")


def entries(path):
    out = []
    with open(path, "rb") as f:
        while True:
            try:
                out.append(pickle.load(f))
            except EOFError:
                return out


def test_task_exit_writes_after_each_task_and_restart_reuses(make_dfk, tmp_path):
    dfk = make_dfk(memoizer=BasicMemoizer(checkpoint_mode="task_exit"))
    assert square(3).result() == 9
    assert [e["result"] for e in entries(checkpoint_file(dfk))] == [9]
    dfk.cleanup()
    run_dir = str(tmp_path / "runinfo")
    assert get_all_checkpoints(run_dir) == [os.path.join(dfk.run_dir, "checkpoint")]

    dfk2 = make_dfk(memoizer=BasicMemoizer(checkpoint_files=get_last_checkpoint(run_dir)), garbage_collect=False)
    fut = square(3)
    assert fut.result() == 9
    assert CALLS == [3]
    assert dfk2.tasks[fut.tid]["status"] is States.memo_done


def test_checkpoint_mode_loads_every_earlier_run_by_default(make_dfk):
    make_dfk(memoizer=BasicMemoizer(checkpoint_mode="task_exit")).cleanup()
    dfk = make_dfk(memoizer=BasicMemoizer(checkpoint_mode="task_exit"))
    square(5).result()
    dfk.cleanup()
    make_dfk(memoizer=BasicMemoizer(checkpoint_mode="task_exit"))
    square(5).result()
    assert CALLS == [5]


def test_dfk_exit_writes_at_cleanup(make_dfk):
    dfk = make_dfk(memoizer=BasicMemoizer(checkpoint_mode="dfk_exit"))
    square(2).result()
    assert not os.path.exists(checkpoint_file(dfk))
    dfk.cleanup()
    assert [e["result"] for e in entries(checkpoint_file(dfk))] == [4]


def test_manual_checkpoint(make_dfk):
    dfk = make_dfk(memoizer=BasicMemoizer(checkpoint_mode="manual"))
    square(6).result()
    assert not os.path.exists(checkpoint_file(dfk))
    dfk.memoizer.checkpoint()
    assert [e["result"] for e in entries(checkpoint_file(dfk))] == [36]
    dfk.memoizer.checkpoint()  # nothing new: nothing written twice
    assert len(entries(checkpoint_file(dfk))) == 1


def test_periodic_checkpoint_needs_a_period(make_dfk, tmp_path):
    with pytest.raises(ConfigurationError, match="period"):
        make_dfk(memoizer=BasicMemoizer(checkpoint_mode="periodic"))
    with pytest.raises(ConfigurationError, match="HH:MM:SS"):
        BasicMemoizer(checkpoint_mode="periodic", checkpoint_period="soon")


def test_periodic_checkpoint_writes_on_its_timer(make_dfk):
    dfk = make_dfk(memoizer=BasicMemoizer(checkpoint_mode="periodic", checkpoint_period="00:00:01"))
    square(7).result()
    deadline = threading.Event()
    for _ in range(100):  # up to 10 s for the timer thread
        if os.path.exists(checkpoint_file(dfk)):
            break
        deadline.wait(0.1)
    assert [e["result"] for e in entries(checkpoint_file(dfk))] == [49]


def test_exceptions_are_not_checkpointed(make_dfk):
    dfk = make_dfk(memoizer=BasicMemoizer(checkpoint_mode="task_exit"))
    with pytest.raises(ValueError):
        raises(1).result()
    square(1).result()
    assert [e["result"] for e in entries(checkpoint_file(dfk))] == [1]


def test_an_unpicklable_result_is_not_checkpointed_and_the_task_still_succeeds(make_dfk, caplog):
    dfk = make_dfk(memoizer=BasicMemoizer(checkpoint_mode="task_exit"))
    lock = unpicklable(1).result()
    assert hasattr(lock, "acquire")
    square(2).result()
    assert [e["result"] for e in entries(checkpoint_file(dfk))] == [4]
    assert "cannot be checkpointed" in caplog.text


def test_a_missing_checkpoint_is_bad_checkpoint(make_dfk, tmp_path):
    with pytest.raises(BadCheckpoint, match="not found"):
        make_dfk(memoizer=BasicMemoizer(checkpoint_files=[str(tmp_path / "nope")]))


def test_a_corrupt_checkpoint_is_bad_checkpoint(make_dfk, tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "tasks.pkl").write_bytes(b"not a pickle")
    with pytest.raises(BadCheckpoint, match="Failed to load"):
        make_dfk(memoizer=BasicMemoizer(checkpoint_files=[str(tmp_path / "bad")]))


def test_legacy_config_keywords_warn_and_build_a_memoizer(make_dfk):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        config = Config(checkpoint_mode="task_exit", app_cache=True)
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert isinstance(config.memoizer, BasicMemoizer)
    assert config.memoizer.checkpoint_mode == "task_exit"


def test_checkpoint_helpers_on_a_missing_dir(tmp_path):
    assert get_all_checkpoints(str(tmp_path / "none")) == []
    assert get_last_checkpoint(str(tmp_path / "none")) == []


def test_a_run_that_checkpointed_nothing_still_leaves_a_loadable_checkpoint(make_dfk):
    dfk = make_dfk(memoizer=BasicMemoizer(checkpoint_mode="task_exit"))
    with pytest.raises(ValueError):
        raises(1).result()
    dfk.cleanup()
    directory = os.path.join(dfk.run_dir, "checkpoint")
    assert entries(os.path.join(directory, "tasks.pkl")) == []
    make_dfk(memoizer=BasicMemoizer(checkpoint_files=[directory]))
    with pytest.raises(ValueError):  # the failure was not checkpointed: the task runs again
        raises(1).result()


def test_a_failing_std_autopath_raises_at_the_call(make_dfk):
    def broken(task_record, kw):
        raise LookupError("no path for you")

    make_dfk(std_autopath=broken)

    @python_app
    def logs(stdout=None):
        return stdout

    import parsl

    with pytest.raises(LookupError, match="no path"):
        logs(stdout=parsl.AUTO_LOGNAME)
