"""A workflow killed with SIGKILL, started again with the same run directory and checkpointing
on, runs only what had not finished; a crash while a checkpoint is written never corrupts it."""

from __future__ import annotations

import json
import pickle
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from parsl.dataflow.errors import BadCheckpoint
from parsl.dataflow.memoization import BasicMemoizer, read_checkpoint
from parsl.testing.processes import wait_for_path

#: Guards against a hang only: every step below ends by itself long before.
GUARD = 300

WORKFLOW = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import parsl
    from parsl.config import Config
    from parsl.dataflow.memoization import BasicMemoizer
    from parsl.executors.threads import ThreadPoolExecutor
    from parsl.testing.executors import wait_for_file

    work = Path(sys.argv[1])
    parsl.load(Config(executors=[ThreadPoolExecutor(max_threads=4)], run_dir=str(work / "runinfo"),
                      memoizer=BasicMemoizer(checkpoint_mode="task_exit")))

    def ran(name):
        with open(work / "ran.log", "a") as f:
            f.write(name + "\\n")

    @parsl.python_app(cache=True)
    def step(name, *deps):
        ran(name)
        return f"{name}({','.join(map(str, deps))})"

    @parsl.python_app(cache=True)
    def slow(name):
        ran(name)
        wait_for_file(str(work / "started"), str(work / "release"), 300)
        return name

    @parsl.python_app(cache=True)
    def buggy(x):
        ran("buggy")
        BODY

    a = step("a")
    b = step("b", a)
    after_slow = step("after_slow", slow("slow"))
    after_bug = step("after_bug", buggy(21))
    b.result()
    after_bug.exception()
    (work / "ready").touch()
    print(json.dumps({"b": b.result(), "after_slow": after_slow.result(), "after_bug": after_bug.result()}))
""")


def _workflow(work: Path, body: str) -> subprocess.Popen:
    script = work / "workflow.py"
    script.write_text(WORKFLOW.replace("BODY", body))
    return subprocess.Popen([sys.executable, str(script), str(work)], cwd=work, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _ran(work: Path) -> list[str]:
    return (work / "ran.log").read_text().split()


def _kill_when_ready(work: Path, body: str) -> list[str]:
    """Run the workflow until its fast tasks are done and ``slow`` runs; SIGKILL it; the tasks it ran."""
    proc = _workflow(work, body)
    try:
        wait_for_path(str(work / "ready"), GUARD, proc)  # a and b done, buggy failed
        wait_for_path(str(work / "started"), GUARD, proc)  # slow is running
    finally:
        proc.kill()
        proc.communicate(timeout=GUARD)
    assert proc.returncode == -signal.SIGKILL
    ran = _ran(work)
    for name in ("ready", "started", "ran.log"):
        (work / name).unlink()
    return sorted(ran)


def test_a_killed_workflow_runs_again_only_what_had_not_finished(tmp_path: Path) -> None:
    bug = 'raise ValueError("a bug")'
    assert _kill_when_ready(tmp_path, bug) == ["a", "b", "buggy", "slow"]  # after_bug's input failed
    # killed again, still buggy: a and b come from the first run's checkpoint
    assert _kill_when_ready(tmp_path, bug) == ["buggy", "slow"]

    (tmp_path / "release").touch()
    third = _workflow(tmp_path, "return x * 2")  # the user fixed buggy
    out, err = third.communicate(timeout=GUARD)
    assert third.returncode == 0, err
    assert json.loads(out) == {"b": "b(a())", "after_slow": "after_slow(slow)", "after_bug": "after_bug(42)"}
    # the unfinished task, the failed one and the tasks that depend on them ran; nothing else did
    assert sorted(_ran(tmp_path)) == ["after_bug", "after_slow", "buggy", "slow"]


RECORDS = [{"hash": str(i), "exception": None, "result": r}
           for i, r in enumerate([1, "x" * 300, [1.5, {"k": b"v" * 20}], None])]


def test_every_cut_of_a_checkpoint_file_loads_exactly_the_whole_records_before_it(tmp_path: Path) -> None:
    blobs = [pickle.dumps(r) for r in RECORDS]
    data = b"".join(blobs)
    ends = [sum(map(len, blobs[:n])) for n in range(len(blobs) + 1)]
    path = tmp_path / "tasks.pkl"
    for cut in range(len(data) + 1):
        path.write_bytes(data[:cut])
        whole = max(n for n, end in enumerate(ends) if end <= cut)
        assert list(read_checkpoint(str(path))) == RECORDS[:whole], f"cut at byte {cut}"


def test_a_damaged_record_before_the_last_is_still_bad_checkpoint(tmp_path: Path) -> None:
    (tmp_path / "tasks.pkl").write_bytes(pickle.dumps(RECORDS[0]) + b"garbage" + pickle.dumps(RECORDS[1]))
    with pytest.raises(BadCheckpoint, match=r"tasks\.pkl: UnpicklingError"):
        BasicMemoizer().load_checkpoints([str(tmp_path)])


WRITER = textwrap.dedent("""
    import sys, threading
    from pathlib import Path
    from parsl.dataflow import memoization

    run_dir = sys.argv[1]
    memoizer = memoization.BasicMemoizer(checkpoint_mode="manual")
    memoizer.start(run_dir=run_dir, config_run_dir=run_dir)
    memoizer._queue = [(1, "first", "a whole record")]
    memoizer.checkpoint()

    real_append = memoization._append

    def torn(path, data):  # the process is killed half-way through its write
        real_append(path, data[: len(data) // 2])
        Path(run_dir, "half-written").touch()
        threading.Event().wait()

    memoization._append = torn
    memoizer._queue = [(2, "second", "x" * 100_000), (3, "third", "y")]
    memoizer.checkpoint()
""")


def test_a_workflow_killed_while_writing_a_checkpoint_leaves_only_whole_records(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_path(str(tmp_path / "half-written"), GUARD, proc)
    finally:
        proc.kill()
        proc.communicate(timeout=GUARD)
    directory = tmp_path / "checkpoint"
    size = (directory / "tasks.pkl").stat().st_size
    assert size > len(pickle.dumps({"hash": "first", "exception": None, "result": "a whole record"}))
    table = BasicMemoizer().load_checkpoints([str(directory)])
    assert {h: f.result() for h, f in table.items()} == {"first": "a whole record"}


def test_a_checkpoint_directory_never_exists_without_its_file(tmp_path: Path) -> None:
    (tmp_path / "checkpoint.999.tmp").mkdir()  # what a run killed while creating its directory leaves
    memoizer = BasicMemoizer(checkpoint_mode="manual")
    memoizer.start(run_dir=str(tmp_path), config_run_dir=str(tmp_path))
    memoizer.checkpoint()
    assert (tmp_path / "checkpoint" / "tasks.pkl").read_bytes() == b""
    assert BasicMemoizer().load_checkpoints([str(tmp_path / "checkpoint")]) == {}
