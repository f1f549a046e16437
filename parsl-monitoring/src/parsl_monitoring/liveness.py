"""Whether a workflow that has no end record is still running or crashed.

A workflow's process records its pid and start time when it starts (``workflow_process``). A run
with no ``time_completed`` whose process is gone (or whose pid now belongs to a later process)
was killed or crashed. A run started on another host cannot be checked from here: it is shown
as running, as before.
"""

from __future__ import annotations

import os
import socket
from typing import Any, Mapping

import psutil

#: Seconds two readings of one process's start time may differ by (psutil derives it from ticks).
START_TOLERANCE = 1.0


def this_process() -> dict[str, Any]:
    """What ``workflow_process`` records of the calling process."""
    return {"pid": os.getpid(), "pid_started": psutil.Process().create_time()}


def run_status(row: Mapping[str, Any]) -> str:
    """``completed``, ``crashed`` or ``running`` for a workflow row (with ``pid``/``pid_started`` if known)."""
    if row.get("time_completed"):
        return "completed"
    pid = row.get("pid")
    if pid is None or row.get("host") != socket.gethostname():
        return "running"
    return "running" if _alive(int(pid), float(row["pid_started"])) else "crashed"


def _alive(pid: int, started: float) -> bool:
    try:
        process = psutil.Process(pid)
        return (abs(process.create_time() - started) <= START_TOLERANCE
                and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:  # not ours to inspect: it exists, so do not call the run crashed
        return True
