"""Task snapshots: the stdout/stderr column holds the file name whatever form the app was given; a
batch of queued transitions copies each record once, at its latest transition."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest

from parsl.data_provider.files import File
from parsl.dataflow.states import States
from parsl.dataflow.taskrecord import TaskRecord
from parsl_monitoring.records import TASK_EVENT, expand, static_columns


class BytesPath(os.PathLike):
    def __fspath__(self) -> bytes:
        return b"bytes.txt"


@pytest.mark.parametrize("spec,expected", [
    (None, ""), ("a.txt", "a.txt"), (("t.txt", "w"), "t.txt"), (Path("p.txt"), "p.txt"),
    (BytesPath(), "bytes.txt"), ((Path("q.txt"), "w"), "q.txt"), (File("file:///tmp/f"), "file:///tmp/f"),
])
def test_std_stream_column_is_the_file_name(spec: object, expected: str) -> None:
    assert static_columns({"kwargs": {"stdout": spec}})["task_stdout"] == expected


def _task(task_id: int) -> TaskRecord:
    return TaskRecord(None, task_id, noop, (), {}, "threads", False, [], False, datetime.datetime.now())


def noop() -> None:
    return None


def _queue(*entries: tuple[Any, ...]) -> list[Any]:
    """The hub's flat queue of these entries."""
    return [slot for entry in entries for slot in entry]


def test_a_task_record_is_copied_at_its_latest_transition_only() -> None:
    """A TaskRecord already in a later state (its transition is queued behind) is not copied yet;
    the entries the hub queued as they are keep their place."""
    moved_on, current, retried = _task(1), _task(2), _task(3)
    moved_on.status, current.status, retried.status = States.exec_done, States.launched, States.pending
    retried.try_id = 1
    block = {"run_id": "r", "block_id": "0"}
    out = expand("r", _queue((moved_on, 1, 0, "pending", 1.0), (current, 2, 0, "pending", 2.0),
                             ("block", block, None, None, None), (moved_on, 1, 0, "launched", 3.0),
                             (current, 2, 0, "launched", 4.0), (retried, 3, 0, "launched", 5.0)), set())
    assert [kind for kind, _ in out] == ["state", "state", "block", "state", "task", "state"]
    assert out[2][1] is block
    assert out[0][1] == ("r", 1, 0, "pending", 1.0) and out[3][1] == ("r", 1, 0, "launched", 3.0)
    task = dict(zip(TASK_EVENT, out[4][1]))
    assert (task["task_id"], task["task_status_name"], task["timestamp"]) == (2, "launched", 4.0)
    assert task["static"]["task_func_name"] == "noop"  # the first copy of task 2 carries its static columns
    assert task["task_time_invoked"] == current.time_invoked.timestamp()
    assert out[5][1] == ("r", 3, 0, "launched", 5.0)  # superseded by try 1

    later = expand("r", _queue((moved_on, 1, 0, "exec_done", 6.0)), {2})
    assert later[0][0] == "task" and dict(zip(TASK_EVENT, later[0][1]))["task_status_name"] == "exec_done"


def test_a_mapping_record_is_copied_at_its_last_transition_in_the_batch() -> None:
    """A record read by key (no state attribute to compare) is copied at its batch's last entry."""
    rec = {"id": 7, "try_id": 0, "func_name": "f", "executor": "threads"}
    out = expand("r", _queue((rec, 7, 0, "pending", 1.0), (rec, 7, 0, "launched", 2.0)), set())
    assert [kind for kind, _ in out] == ["state", "task"]
    assert dict(zip(TASK_EVENT, out[1][1]))["task_status_name"] == "launched"
