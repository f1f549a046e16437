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
from parsl_monitoring.records import RECORD_COLUMNS, expand, static_columns


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


def _copied(event: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The record columns of a ``transitions`` event, by the position of their transition."""
    return {i: {**dict(zip(RECORD_COLUMNS, event["records"][j])), "fail_history": event["fail_history"][j],
                "static": event["static"][j]} for j, i in enumerate(event["rows"])}


def test_a_task_record_is_copied_at_its_latest_transition_only() -> None:
    """A TaskRecord already in a later state (its transition is queued behind) is not copied yet;
    the entries the hub queued as they are keep their place, between runs of transitions."""
    moved_on, current, retried = _task(1), _task(2), _task(3)
    moved_on.status, current.status, retried.status = States.exec_done, States.launched, States.pending
    retried.try_id = 1
    block = {"run_id": "r", "block_id": "0"}
    out = expand("r", _queue((moved_on, 1, 0, "pending", 1.0), (current, 2, 0, "pending", 2.0),
                             ("block", block, None, None, None), (moved_on, 1, 0, "launched", 3.0),
                             (current, 2, 0, "launched", 4.0), (retried, 3, 0, "launched", 5.0)), set())
    assert [kind for kind, _ in out] == ["transitions", "block", "transitions"]
    assert out[1][1] is block
    before, after = out[0][1], out[2][1]
    assert (before["task_id"], before["try_id"], before["state"], before["time"]) == (
        [1, 2], [0, 0], ["pending", "pending"], [1.0, 2.0])
    assert before["rows"] == [] and _copied(before) == {}  # both records moved on since
    assert (after["task_id"], after["try_id"], after["state"], after["time"]) == (
        [1, 2, 3], [0, 0, 0], ["launched", "launched", "launched"], [3.0, 4.0, 5.0])
    copied = _copied(after)
    assert list(copied) == [1]  # task 2 only: task 1 is done since, task 3 superseded by try 1
    assert copied[1]["static"]["task_func_name"] == "noop"  # the first copy of task 2 carries its static columns
    assert copied[1]["time_invoked"] == current.time_invoked.timestamp()
    assert (copied[1]["executor"], copied[1]["fail_count"], copied[1]["fail_history"]) == ("threads", 0, "")

    later = expand("r", _queue((moved_on, 1, 0, "exec_done", 6.0)), {2})
    assert [kind for kind, _ in later] == ["transitions"] and later[0][1]["state"] == ["exec_done"]
    assert list(_copied(later[0][1])) == [0]
    assert expand("r", [], set()) == []


def test_a_mapping_record_is_copied_at_its_last_transition_in_the_batch() -> None:
    """A record read by key (no state attribute to compare) is copied at its batch's last entry,
    its static columns only the first time."""
    rec = {"id": 7, "try_id": 0, "func_name": "f", "executor": "threads", "fail_count": 1,
           "fail_history": ["E1"], "joins": None}
    seen: set[int] = set()
    out = expand("r", _queue((rec, 7, 0, "pending", 1.0), (rec, 7, 0, "launched", 2.0)), seen)
    assert [kind for kind, _ in out] == ["transitions"]
    copied = _copied(out[0][1])
    assert list(copied) == [1] and copied[1]["static"]["task_func_name"] == "f"
    assert copied[1]["fail_history"] == "E1" and seen == {7}
    again = _copied(expand("r", _queue((rec, 7, 0, "exec_done", 3.0)), seen)[0][1])
    assert again[0]["static"] is None
