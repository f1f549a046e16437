"""Process helpers for tests: nothing outlives a cancel or a timeout; rendezvous with a subprocess."""

from __future__ import annotations

import os
import subprocess
import time
from typing import Callable, Iterable, Optional, TypeVar

T = TypeVar("T")


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (dead, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def wait_until_gone(pids: Iterable[int], timeout: float) -> list[int]:
    """Wait up to ``timeout`` seconds for the processes to end; return those still alive."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [p for p in pids if process_alive(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def wait_for(predicate: Callable[[], T], timeout: float, what: str, proc: Optional[subprocess.Popen] = None,
             interval: float = 0.05) -> T:
    """Wait up to ``timeout`` seconds for ``predicate()`` to return something true, and return it
    (a rendezvous with a generous cap); fail at once if ``proc``, which should bring it about, ends.

    ``interval`` is the pause between calls: longer for a predicate that runs a command (squeue)."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"process {proc.pid} exited with {proc.returncode} while waiting for {what}"
                                 + (f":\n{out or ''}{err or ''}" if out or err else ""))
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
    return value


def wait_for_path(path: str, timeout: float, proc: Optional[subprocess.Popen] = None) -> None:
    """Wait up to ``timeout`` seconds for a rendezvous file; fail at once if ``proc`` ends first."""
    wait_for(lambda: os.path.exists(path), timeout, path, proc)
