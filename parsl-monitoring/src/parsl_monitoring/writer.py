"""The single database writer: a separate process that owns the one connection.

One writer avoids the "database is locked" losses of many writers (Parsl issues #472, #1889), and a
process of its own keeps its work off the workflow's interpreter (the DataFlowKernel's threads
never wait on the GIL for it). The hub sends it batches of events over its standard input
(``python -m parsl_monitoring.writer``); it folds each batch into a few statements and writes them
in one transaction. A transaction that fails for a passing reason (a lock held too long, a server
restarting) is retried with back-off; events that still cannot be written are appended as JSON
lines to a spill file, never silently lost. At the end it prints one JSON line: what it wrote,
what it spilled, and its last error.
"""

from __future__ import annotations

import datetime
import itertools
import json
import logging
import operator
import os
import pickle
import queue
import sys
import threading
import time
from typing import Any, BinaryIO, Callable, Iterator, Optional, Sequence

from parsl_monitoring.batch import Known, Plan
from parsl_monitoring.errors import DatabaseLocked, DatabaseUnavailable, MonitoringDatabaseError
from parsl_monitoring.times import bind_times, sqlite_text
from parsl_monitoring.wire import FRAME, URL_VARIABLE, spill

logger = logging.getLogger(__name__)

#: Attempts at one batch, and the first pause between attempts (doubling each time); the
#: environment variables exist so that tests of a failing database finish quickly.
RETRIES = int(os.environ.get("PARSL_MONITORING_RETRIES", "5"))
RETRY_PAUSE = float(os.environ.get("PARSL_MONITORING_RETRY_PAUSE", "0.5"))
#: The most events folded into one transaction.
MAX_BATCH = 50_000
#: Seconds the writer gathers events into one transaction after a first one arrives: fewer,
#: larger transactions, and a task that starts and ends within them is inserted once, not
#: inserted then updated (Parsl's database manager batches for a second too).
GATHER = 1.0


class Writer:
    """Writes batches of events to one database, retrying and spilling instead of losing them."""

    def __init__(self, engine: Any, url: str, spill_path: str):
        self.engine = engine
        self.url = url
        self.spill_path = spill_path
        self.known = Known()
        self.written = 0
        self.spilled = 0
        self.error: Optional[MonitoringDatabaseError] = None
        #: After a batch had to be spilled, later batches get one attempt each until one succeeds,
        #: so that a database that stays down delays the end of a workflow by seconds, not minutes.
        self.failing = False

    def write(self, events: list[tuple[str, Any]]) -> None:
        for start in range(0, len(events), MAX_BATCH):
            self._write(events[start:start + MAX_BATCH])

    def _write(self, events: list[tuple[str, Any]]) -> None:
        if not events:
            return
        from parsl_monitoring.db import translate

        pause = RETRY_PAUSE
        attempts = 1 if self.failing else RETRIES
        for attempt in range(1, attempts + 1):
            plan = Plan(self.known)
            try:
                for kind, event in events:
                    plan.add(kind, event)
                self._execute(plan)
            except Exception as e:  # a monitor must never take the workflow down
                error = translate(self.url, e)
                transient = isinstance(error, (DatabaseLocked, DatabaseUnavailable))
                logger.warning("monitoring: writing %d events failed (attempt %d of %d): %s",
                               len(events), attempt, attempts, error)
                self.error = error
                if not transient or attempt == attempts:
                    break
                time.sleep(pause)
                pause *= 2
                continue
            plan.commit()
            self.written += len(events)
            self.failing = False
            return
        self.failing = True
        self.spilled += spill(self.spill_path, events, self.error)

    def _execute(self, plan: Plan) -> None:
        with self.engine.begin() as conn:
            for stmt, keys, rows in plan.statements():
                if rows:
                    executemany(conn, stmt, keys, rows)


def _datetime_keys() -> frozenset[str]:
    from sqlalchemy import DateTime

    from parsl_monitoring import schema

    return frozenset({c.name for t in schema.metadata.tables.values() for c in t.columns
                      if isinstance(c.type, DateTime)} | {"time_started", "time_ended", "first_seen"})


def _restore(value: Any, keys: frozenset[str], key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _restore(v, keys, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v, keys, key) for v in value]
    if key in keys and isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    return value


def load_spill(path: str) -> list[tuple[str, Any]]:
    """Read back the events a writer spilled to ``path``, as the hub had sent them."""
    from parsl_monitoring.errors import MonitoringError
    from parsl_monitoring.records import TASK_EVENT

    keys = _datetime_keys()
    events: list[tuple[str, Any]] = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            try:
                item = json.loads(line)
                kind, event = item["kind"], _restore(item["event"], keys)
                if kind == "task":
                    event = tuple(event["timestamp"].timestamp() if k == "timestamp" else event[k] for k in TASK_EVENT)
                elif kind == "transitions" and "records" not in event:
                    event = _records_from_columns(event)
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise MonitoringError(f"{path}, line {number}: not an event spilled by parsl-monitoring ({e!r})") from e
            events.append((kind, event))
    return events


def _records_from_columns(event: dict[str, Any]) -> dict[str, Any]:
    """A ``transitions`` event spilled with a column per record field (parsl-monitoring before
    2026-12-07's fifth pass), as one tuple per record (``records.RECORD_COLUMNS``)."""
    from parsl_monitoring.records import RECORD_COLUMNS

    columns = [event.pop(c) for c in RECORD_COLUMNS]
    return {**event, "records": list(zip(*columns))}


def import_spill(path: str, url: str) -> Writer:
    """Write the events spilled to ``path`` into the database at ``url``; returns the writer (counts)."""
    from parsl_monitoring.db import guarded, open_for_writing

    events = load_spill(path)
    engine = open_for_writing(url)
    run_ids = {e[0] if kind == "task" else e["run_id"] for kind, e in events}

    def known() -> Known:
        with engine.connect() as conn:
            return Known.from_database(conn, run_ids)

    writer = Writer(engine, url, path + ".failed")
    writer.known = guarded(url, known)
    writer.write(events)
    engine.dispose()
    return writer


def read_frames(stream: BinaryIO) -> Any:
    """Yield each batch of events sent on ``stream`` until it closes."""
    while True:
        header = stream.read(FRAME.size)
        if len(header) < FRAME.size:
            return
        (size,) = FRAME.unpack(header)
        yield pickle.loads(stream.read(size))


def gathered(batches: Iterator[list[Any]], interval: float = GATHER, limit: int = MAX_BATCH) -> Iterator[list[Any]]:
    """The events of ``batches`` regrouped: all that arrive within ``interval`` seconds of a first
    one (and whatever is already waiting), up to ``limit``. A thread reads ahead, so the hub's
    writes do not wait for the database."""
    received: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def read() -> None:
        try:
            for batch in batches:
                received.put(batch)
        except BaseException as e:  # handed on to be raised where the events are consumed
            received.put(e)
        received.put(None)

    threading.Thread(target=read, name="parsl-monitoring-reader", daemon=True).start()

    def take(timeout: Optional[float]) -> Any:
        item = received.get() if timeout is None else received.get(timeout=timeout) if timeout > 0 \
            else received.get_nowait()
        if isinstance(item, BaseException):
            raise item
        return item

    while True:
        events = take(None)
        if events is None:
            return
        deadline = time.monotonic() + interval
        while len(events) < limit:
            try:
                more = take(deadline - time.monotonic())
            except queue.Empty:
                break
            if more is None:
                yield events
                return
            events.extend(more)
        yield events


def main(argv: list[str]) -> int:
    """The writer process: ``python -m parsl_monitoring.writer URL SPILL_PATH LOCK_TIMEOUT LOG_PATH DEBUG``.

    ``URL`` ``-`` takes the database URL from the ``PARSL_MONITORING_WRITER_URL`` environment variable.
    """
    url, spill_path, lock_timeout, log_path, debug = argv
    if url == "-":
        url = os.environ.pop(URL_VARIABLE)
    try:
        os.nice(10)  # recording is less urgent than the workflow: yield the CPU to it when contended
    except (AttributeError, OSError):
        pass
    logging.basicConfig(filename=log_path, level=logging.DEBUG if debug == "1" else logging.INFO,
                        format="%(asctime)s %(name)s [%(levelname)s] %(message)s")
    from parsl_monitoring.db import open_for_writing

    writer: Optional[Writer] = None
    error: Any = None
    received = 0
    try:
        writer = Writer(open_for_writing(url, lock_timeout=float(lock_timeout)), url, spill_path)
    except MonitoringDatabaseError as e:
        error = e
    # the hub waits for this line to start the workflow (or to report the database unusable)
    _say({"ready": error is None, "error": None if error is None else [type(error).__name__, str(error)]})
    for events in gathered(read_frames(sys.stdin.buffer)):
        received += len(events)
        if writer is None:
            spill(spill_path, events, error)
        else:
            writer.write(events)
    if writer is not None:
        writer.engine.dispose()
        error = writer.error
    _say({"received": received, "written": writer.written if writer else 0,
          "spilled": writer.spilled if writer else received,
          "error": None if error is None else [type(error).__name__, str(error)]})
    return 0


def _say(message: dict[str, Any]) -> None:
    """One JSON line to the hub."""
    try:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # the workflow's process is gone (killed, or exited without cleanup): nobody reads the
        # summary, and what the database holds is already written; point stdout at /dev/null so
        # that the interpreter's own flush at exit does not report the broken pipe either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


#: A row's values in the order of a statement's binds.
_Reorder = Callable[[tuple[Any, ...]], tuple[Any, ...]]
#: (statement, SQL, the reordering of a row's values to bind order or None if in order, bind names
#: if the driver takes dicts, positions of times, and if its rows may go several to a statement, the
#: SQL's text before and after ``VALUES`` and whether a value may be None) per statement, dialect and
#: row keys; the statement is kept so that its id is not reused.
_Compiled = tuple[Any, str, Optional[_Reorder], Optional[list[str]], list[int], Optional[tuple[str, str, bool]]]
_compiled: dict[tuple[int, str, tuple[str, ...]], _Compiled] = {}
#: The most parameters in one SQLite statement (the limit of SQLite before 3.32).
SQLITE_PARAMETERS = 999


def _reorder(positions: list[int]) -> _Reorder:
    if len(positions) == 1:
        (i,) = positions
        return lambda row: (row[i],)
    return operator.itemgetter(*positions)


def executemany(conn: Any, stmt: Any, keys: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Run ``stmt`` once per row (tuples of the values of ``keys``) through the driver's executemany.

    SQLAlchemy's per-row parameter processing costs more than the database's own work for
    monitoring's many small rows, so each statement is compiled once for the dialect and its rows
    go to the driver as tuples or dicts, times converted by ``times.binder`` (numbers or datetimes
    to what the dialect stores). SQLite inserts go many rows to a statement (``insert_rows``).
    """
    from sqlalchemy import DateTime

    dialect = conn.dialect
    cache_key = (id(stmt), dialect.name, keys)
    entry = _compiled.get(cache_key)
    if entry is None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
        names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
        positions = [keys.index(n) for n in names]
        order = None if positions == list(range(len(keys))) else _reorder(positions)
        dates = [i for i, n in enumerate(names) if isinstance(compiled.binds[n].type, DateTime)]
        # rows of a table with an autoincremented key go one by one: their ids follow their order
        multi = (dialect.name == "sqlite" and compiled.isinsert and stmt.table.autoincrement_column is None)
        head, _, values = compiled.string.partition(" VALUES ")
        nullable = any(stmt.table.c[k].nullable for k in keys if k in stmt.table.c)
        entry = _compiled[cache_key] = (stmt, compiled.string, order, None if compiled.positional else names, dates,
                                        (head, values, nullable) if multi else None)
    _, sql, order, named, dates, multi = entry
    if order is not None:
        rows = list(map(order, rows))
    if multi is not None:
        insert_rows(conn, *multi, rows, dates)
        return
    if dates:
        rows = bind_times(rows, dates, dialect.name)
    conn.exec_driver_sql(sql, rows if named is None else [dict(zip(named, row)) for row in rows])


def insert_rows(conn: Any, head: str, values: str, nullable: bool, rows: list[tuple[Any, ...]],
                dates: Sequence[int] = ()) -> None:
    """Insert ``rows`` into SQLite with ``head`` (``INSERT INTO t (a, b)``) and ``values`` (``(?, ?)``);
    ``nullable`` says whether any of the columns may be NULL, ``dates`` where the times are (turned
    into text here, a column at a time).

    Python's sqlite3 module spends more on each statement's execution than SQLite spends on a
    small row, and binding ``None`` costs it as much as a whole row (it looks for an adapter), so
    rows go as many to a statement as SQLite's parameter limit allows, and a ``None`` is written
    as a literal ``NULL``: the rows are grouped by which of their values are ``None``.
    """
    if not rows:
        return
    width = len(rows[0])
    groups: dict[tuple[bool, ...], list[tuple[Any, ...]]] = {(False,) * width: rows}
    if nullable:
        groups = {}
        nones = (None,) * width
        for row in rows:
            groups.setdefault(tuple(map(operator.is_, row, nones)), []).append(row)
    for mask, group in groups.items():
        keep = None if not any(mask) else [not m for m in mask]
        one = values if keep is None else "(" + ", ".join("?" if k else "NULL" for k in keep) + ")"
        bound = width - sum(mask)
        times = [p - sum(mask[:p]) for p in dates if not mask[p]]  # positions among the bound values
        per = SQLITE_PARAMETERS // max(1, bound)
        full = len(group) - len(group) % per
        if full:
            conn.exec_driver_sql(f"{head} VALUES {', '.join([one] * per)}",
                                 [_values(group[i:i + per], keep, bound, times) for i in range(0, full, per)])
        if full < len(group):
            conn.exec_driver_sql(f"{head} VALUES {', '.join([one] * (len(group) - full))}",
                                 [_values(group[full:], keep, bound, times)])


def _values(rows: list[tuple[Any, ...]], keep: Optional[list[bool]], width: int, times: list[int]) -> tuple[Any, ...]:
    """The values of ``rows`` in one tuple: those ``keep`` marks if given, then ``width`` to a row,
    the times at ``times`` in each row as SQLite's text."""
    values = itertools.chain.from_iterable(rows)
    flat = list(values if keep is None else itertools.compress(values, itertools.cycle(keep)))
    for p in times:
        flat[p::width] = map(sqlite_text, flat[p::width])
    return tuple(flat)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
