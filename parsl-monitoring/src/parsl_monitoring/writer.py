"""The single writer thread: every event goes through one queue into one database connection.

One writer avoids the "database is locked" losses of many writers (Parsl issues #472, #1889).
The queue is unbounded, so a hook never blocks or drops; the writer takes everything queued
(at most every ``interval`` seconds) and writes it in one transaction. A transaction that fails
for a passing reason (a lock held too long, a server restarting) is retried with back-off; events
that still cannot be written are appended as JSON lines to a spill file, never silently lost.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import queue
import threading
import time
from typing import Any, Optional

from parsl_monitoring.batch import Known, Plan, _Bound
from parsl_monitoring.errors import DatabaseLocked, DatabaseUnavailable, MonitoringDatabaseError

logger = logging.getLogger(__name__)

_STOP = ("stop", None)
#: Attempts at one batch, and the first pause between attempts (doubling each time).
RETRIES = 5
RETRY_PAUSE = 0.5
#: The most events folded into one transaction.
MAX_BATCH = 50_000


class Writer:
    """Owns the database engine and the thread that writes to it."""

    def __init__(self, engine: Any, url: str, spill_path: str, interval: float = 0.2):
        self.engine = engine
        self.url = url
        self.spill_path = spill_path
        self.interval = interval
        self.queue: "queue.SimpleQueue[tuple[str, Any]]" = queue.SimpleQueue()
        self.known = Known()
        self.written = 0
        self.spilled = 0
        self.error: Optional[MonitoringDatabaseError] = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="parsl-monitoring-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, kind: str, event: Any) -> None:
        self.queue.put((kind, event))

    def close(self, timeout: float = 60.0) -> None:
        """Write everything queued, then stop; events left after ``timeout`` go to the spill file."""
        self._stopping = True
        self.queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.error("monitoring writer did not finish within %.0f s; spilling what is left", timeout)
            self._spill(self._drain_nowait())
        self.engine.dispose()

    # -- the thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        stop = False
        while not stop:
            events = [self.queue.get()]
            if events[0] is not _STOP and not self._stopping:
                time.sleep(self.interval)  # let a batch accumulate: fewer, bigger transactions
            events.extend(self._drain_nowait())
            stop = any(e is _STOP for e in events)
            events = [e for e in events if e is not _STOP]
            for start in range(0, len(events), MAX_BATCH):
                self._write(events[start:start + MAX_BATCH])

    def _drain_nowait(self) -> list[tuple[str, Any]]:
        out = []
        while len(out) < 10 * MAX_BATCH:
            try:
                out.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return out

    def _write(self, events: list[tuple[str, Any]]) -> None:
        if not events:
            return
        from parsl_monitoring.db import translate

        pause = RETRY_PAUSE
        for attempt in range(1, RETRIES + 1):
            plan = Plan(self.known)
            try:
                for kind, event in events:
                    plan.add(kind, event)
                self._execute(plan)
            except Exception as e:  # a monitor must never take the workflow down
                error = translate(self.url, e)
                transient = isinstance(error, (DatabaseLocked, DatabaseUnavailable))
                logger.warning("monitoring: writing %d events failed (attempt %d of %d): %s",
                               len(events), attempt, RETRIES, error)
                self.error = error
                if not transient or attempt == RETRIES or self._stopping and attempt >= 2:
                    break
                time.sleep(pause)
                pause *= 2
                continue
            plan.commit()
            self.written += len(events)
            self.error = None
            return
        self._spill(events)

    def _execute(self, plan: Plan) -> None:
        with self.engine.begin() as conn:
            for stmt, rows in plan.statements():
                if not rows:
                    continue
                if isinstance(stmt, _Bound):
                    conn.execute(stmt.stmt, stmt.rows(rows))
                else:
                    conn.execute(stmt, rows)

    def _spill(self, events: list[tuple[str, Any]]) -> None:
        events = [e for e in events if e is not _STOP]
        if not events:
            return
        try:
            os.makedirs(os.path.dirname(self.spill_path) or ".", exist_ok=True)
            with open(self.spill_path, "a", encoding="utf-8") as f:
                for kind, event in events:
                    f.write(json.dumps({"kind": kind, "event": event}, default=_json_default) + "\n")
        except OSError as e:
            logger.error("monitoring: %d events could not be written to the database (%s) nor to %s: %s",
                         len(events), self.error, self.spill_path, e)
            return
        self.spilled += len(events)
        logger.error("monitoring: %d events could not be written to the database (%s); they were saved "
                     "to %s", len(events), self.error, self.spill_path)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return str(value)
