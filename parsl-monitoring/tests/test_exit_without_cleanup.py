"""A workflow script that ends without ``cleanup()`` (as tutorial cells do), or is killed:
no traceback from the monitoring writer, nothing left running, the database still complete."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa

#: Guards against a hang only: each run ends by itself well before this.
GUARD = 300

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import parsl
    from parsl.config import Config
    from parsl.executors.threads import ThreadPoolExecutor
    from parsl_monitoring import MonitoringHub

    parsl.load(Config(executors=[ThreadPoolExecutor()], monitoring=MonitoringHub(), run_dir=sys.argv[1]))

    @parsl.python_app
    def add(x):
        return x + 1

    print(add(1).result(), parsl.dfk().monitoring._writer._proc.pid, flush=True)
    if sys.argv[2] == "kill":  # the writer then reads end-of-file and has nobody to report to
        os.kill(os.getpid(), signal.SIGKILL)
""")


def _run(tmp_path: Path, how: str) -> tuple[int, str, str]:
    script = tmp_path / "tutorial_cell.py"
    script.write_text(SCRIPT)
    # stderr is a pipe shared with the writer process: it reaches EOF only when both have exited
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "runinfo"), how],
                          capture_output=True, text=True, timeout=GUARD, cwd=tmp_path)
    return proc.returncode, proc.stdout, proc.stderr


def _assert_gone(pid: int) -> None:
    """The writer has exited (or is a zombie waiting for init to reap it): it no longer runs."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        ready, _, _ = select.select([fd], [], [], GUARD)
        assert ready, f"the monitoring writer (pid {pid}) is still running"
    finally:
        os.close(fd)


def test_script_ending_without_cleanup(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "end")
    assert code == 0, err
    assert "Traceback" not in err and "Error" not in err, err
    result, writer_pid = out.split()
    assert result == "2"
    _assert_gone(int(writer_pid))
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'runinfo' / 'monitoring.db'}")
    with engine.connect() as conn:
        (completed,) = conn.execute(sa.text("select time_completed from workflow")).one()
        (tasks,) = conn.execute(sa.text("select count(*) from task")).one()
    engine.dispose()
    assert completed is not None, "the DataFlowKernel was cleaned up at exit"
    assert tasks == 1


def test_killed_workflow_leaves_a_quiet_writer(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "kill")
    assert code == -signal.SIGKILL
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    _assert_gone(int(out.split()[1]))
