"""A workflow killed with SIGKILL has no end record and no live process: it shows as crashed."""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys

import psutil
from helpers import parsl_status

from parsl_monitoring.liveness import run_status


def test_parsl_status_shows_the_killed_run_as_crashed(killed_run):
    assert killed_run["while_running"]["status"] == "running"
    summary = parsl_status(killed_run["runinfo"])
    assert summary["status"] == "crashed"
    assert summary["pid"] == killed_run["pid"] and summary["host"] == socket.gethostname()
    assert summary["time_completed"] is None and summary["duration_s"] is None
    assert summary["tasks_total"] == 1 and summary["groups"]["done"] == summary["groups"]["failed"] == 0
    text = subprocess.run([sys.executable, "-m", "parsl", "status", str(killed_run["runinfo"])],
                          capture_output=True, text=True, timeout=300, check=True).stdout
    assert " — crashed" in text.splitlines()[0]
    assert f"process  {killed_run['pid']} on {socket.gethostname()} is gone" in text


def _row(**changes):
    me = psutil.Process()
    return {"time_completed": None, "host": socket.gethostname(), "pid": me.pid, "pid_started": me.create_time(),
            **changes}


def test_a_live_process_is_running_and_an_ended_run_completed():
    assert run_status(_row()) == "running"
    assert run_status(_row(time_completed=datetime.datetime.now(), pid=None)) == "completed"


def test_a_pid_reused_by_a_later_process_is_not_the_run():
    assert run_status(_row(pid_started=psutil.Process().create_time() - 3600)) == "crashed"


def test_a_run_on_another_host_or_without_a_process_record_cannot_be_called_crashed():
    gone = _row(pid=2 ** 22 + 1)  # above the kernel's pid_max: no such process
    assert run_status(gone) == "crashed"
    assert run_status({**gone, "host": "elsewhere." + socket.gethostname()}) == "running"
    assert run_status({**gone, "pid": None, "pid_started": None}) == "running"  # older databases, Parsl's own


def test_a_zombie_is_not_running():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(child.pid).create_time()
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped: a zombie
    try:
        assert run_status(_row(pid=child.pid, pid_started=started)) == "crashed"
    finally:
        child.wait()
