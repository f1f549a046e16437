"""A script that exits without ``cleanup()`` still gets its queued thread-pool tasks run (as the stdlib pool does)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys, time
    import parsl
    from parsl import python_app
    from parsl.config import Config
    from parsl.executors.threads import ThreadPoolExecutor

    out = sys.argv[1]

    @python_app
    def slow(i):
        time.sleep(0.02)
        with open(f"{out}/done-{i}", "w") as f:
            f.write(str(i))
        return i

    @python_app
    def after(x):
        return x

    def record(fut):
        with open(f"{out}/dependent", "w") as f:
            f.write(repr(fut.exception()))

    parsl.load(Config(executors=[ThreadPoolExecutor(max_threads=2)], run_dir=f"{out}/runinfo"))
    futures = [slow(i) for i in range(40)]
    if len(sys.argv) > 2:
        after(futures[-1]).add_done_callback(record)
    # no cleanup, no waiting: the interpreter exits with most tasks still queued
""")


def _run(tmp_path, *extra):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.run([sys.executable, str(script), str(out), *extra], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


def test_queued_tasks_finish_when_the_interpreter_exits(tmp_path):
    out = _run(tmp_path)
    assert sorted(p.name for p in out.glob("done-*")) == sorted(f"done-{i}" for i in range(40))
    log = (out / "runinfo" / "000" / "parsl.log").read_text()
    assert "Python is exiting: finishing" in log and "queued task(s) of thread pool ThreadPoolExecutor-threads" in log


def test_a_task_launched_during_exit_fails_clearly_instead_of_vanishing(tmp_path):
    out = _run(tmp_path, "with-dependent")
    assert len(list(out.glob("done-*"))) == 40
    assert (out / "dependent").read_text() == "RuntimeError('cannot run a new task: the Python interpreter is exiting')"
