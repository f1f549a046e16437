"""The hub's side of the writer process: hooks append to a list, one thread ships batches.

A hook only extends a flat list by an event's ``records.ENTRY`` slots (one ``extend``: atomic,
never blocks). A sender thread wakes every ``interval`` seconds, takes what the list holds, lets
``expand`` turn what the hooks deferred into events (see ``records.expand``) and writes them to
the writer process's standard input as one pickled frame. If the writer process is gone,
batches are spilled to the JSON-lines file instead, so nothing is silently lost and the workflow
never waits.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import threading
from typing import Any, Callable, Optional

from parsl_monitoring.errors import error_of
from parsl_monitoring.records import ENTRY
from parsl_monitoring.wire import FRAME, URL_VARIABLE, spill

logger = logging.getLogger(__name__)

#: Queued entries prepared and sent at once. Preparing them holds the GIL; a batch of a 0.2 s
#: interval at thousands of transitions a second made the workflow's threads queue behind it.
CHUNK = 128


class WriterClient:
    """Starts the writer process and feeds it."""

    def __init__(self, url: str, spill_path: str, lock_timeout: float, log_path: str, debug: bool,
                 expand: Callable[[list[Any]], list[tuple[str, Any]]], interval: float = 0.2):
        # The URL travels in the environment, not the command line, which every user can read (ps).
        self.env = dict(os.environ, **{URL_VARIABLE: url})
        self.args = ["-", spill_path, str(lock_timeout), log_path, "1" if debug else "0"]
        self.spill_path = spill_path
        self.interval = interval
        self.expand = expand
        #: ``records.ENTRY`` slots per event, added with one ``extend`` (atomic under the GIL)
        self.pending: list[Any] = []
        self.sent = 0
        self.spilled = 0
        self.lost = 0
        self._lost_reason: Optional[str] = None
        self.summary: Optional[dict[str, Any]] = None
        self._proc: Optional[subprocess.Popen] = None
        self._dead: Optional[str] = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="parsl-monitoring-sender", daemon=True)

    def start(self) -> None:
        """Start the writer process and wait until it has opened the database (so that its start-up
        does not compete with the workflow's first tasks); raise its error if it cannot."""
        proc = self._proc = subprocess.Popen([sys.executable, "-m", "parsl_monitoring.writer", *self.args],
                                             env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             close_fds=True)
        assert proc.stdout is not None and proc.stdin is not None
        line = proc.stdout.readline()  # the writer answers, or exits (end of file): this cannot hang
        try:
            hello = json.loads(line)
        except ValueError:
            hello = {"ready": False, "error": ["MonitoringDatabaseError", "the monitoring writer process exited "
                                               f"with code {proc.wait()} before opening the database"]}
        if not hello.get("ready"):
            proc.communicate()  # closes its input: it exits
            raise error_of(hello["error"])
        self._thread.start()

    def put(self, kind: str, event: Any) -> None:
        self.pending.extend((kind, event, None, None, None))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._flush()
        self._flush()

    def _flush(self) -> None:
        """Send what is queued, ``CHUNK`` entries at a time: between chunks the pipe write releases
        the GIL, so the workflow's threads never wait long behind this one.

        The queue is taken with one slice and one ``del`` of that many slots. Each is one C call,
        so no hook's ``extend`` lands inside either; one that lands between them adds beyond the
        slots taken, and stays for the next flush. Popping entries one at a time cost a call per
        slot, about a tenth of what monitoring added to a no-op task.
        """
        pending = self.pending
        taken = len(pending)
        queued = pending[:taken]
        del pending[:taken]
        step = CHUNK * ENTRY
        for start in range(0, taken, step):
            self._send(queued[start:start + step])

    def _send(self, batch: list[Any]) -> None:
        try:
            batch = self.expand(batch)
        except Exception as e:  # a bug, not a passing failure: say what was lost rather than stop sending
            lost = len(batch) // ENTRY
            self.lost += lost
            logger.exception("monitoring: %d events could not be prepared for the writer and are lost", lost)
            self._lost_reason = f"{self.lost} events could not be prepared for the writer ({type(e).__name__}: {e})"
            return
        if self._dead is None:
            try:
                payload = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
                assert self._proc is not None and self._proc.stdin is not None
                self._proc.stdin.write(FRAME.pack(len(payload)))
                self._proc.stdin.write(payload)
                self._proc.stdin.flush()
                self.sent += len(batch)
                return
            except (OSError, ValueError, pickle.PicklingError) as e:
                self._dead = f"the monitoring writer process stopped unexpectedly ({type(e).__name__}: {e})"
                logger.error("monitoring: %s", self._dead)
        self.spilled += spill(self.spill_path, batch, self._dead)

    def close(self, timeout: float = 60.0) -> dict[str, Any]:
        """Send everything, let the writer finish, return its summary. The writer may take as long
        as it needs while it works; ``timeout`` seconds in which it uses under a second of CPU
        mean it is stuck (a lock, a server gone), and it is stopped."""
        self._stop.set()
        self._thread.join()
        proc = self._proc
        assert proc is not None
        try:
            out = _output_while_working(proc, timeout)
            summary = json.loads(out.decode().strip().splitlines()[-1]) if out.strip() else None
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            summary = {"error": ["DatabaseUnavailable", f"the monitoring writer made no progress for {timeout:.0f} s; "
                                 f"events it had not written are lost"]}
        except (ValueError, IndexError, OSError):
            summary = None
        if summary is None:
            summary = {"error": ["MonitoringDatabaseError", self._dead or
                                 f"the monitoring writer process exited with code {proc.returncode} without a report"]}
        if self._lost_reason is not None and not summary.get("error"):
            summary["error"] = ["MonitoringDatabaseError", self._lost_reason]
        summary["spilled"] = summary.get("spilled", 0) + self.spilled
        self.summary = summary
        return summary


def _output_while_working(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    """The rest of ``proc``'s output once it has exited; ``TimeoutExpired`` if it spent ``timeout``
    seconds using under a second of CPU."""
    import psutil

    def cpu() -> float:
        try:
            times = psutil.Process(proc.pid).cpu_times()
            return float(times.user + times.system)
        except psutil.Error:  # exited meanwhile: the next wait returns at once
            return float("inf")

    used = cpu()
    while True:
        try:
            return proc.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            now = cpu()
            if now - used < 1.0:
                raise
            used = now
