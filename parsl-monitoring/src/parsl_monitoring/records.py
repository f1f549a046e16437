"""Snapshots of the DataFlowKernel's task records, taken on the thread that made a transition.

A task record keeps changing after a hook returns, so the hub copies what the database needs
at once; the writer thread turns the copies into rows. The keys read are those of Parsl's
``TaskRecord`` and missing ones are tolerated, so a record from any DataFlowKernel version works.
"""

from __future__ import annotations

import datetime
import operator
import os
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

if TYPE_CHECKING:
    from parsl.dataflow.states import States

_datetime = datetime.datetime

#: The states after which a task has failed; a traceback is captured for these.
FAILURE_STATES = frozenset({"failed", "fail_retryable"})


def state_name(state: object) -> str:
    """The name Parsl stores for a state (``exec_done``), whether an enum or a string."""
    return getattr(state, "name", None) or str(state)


def _ids(futures: Any) -> Optional[str]:
    if futures is None:
        return None
    if not isinstance(futures, (list, tuple)):
        futures = [futures]
    ids = [str(f.tid) for f in futures if getattr(f, "tid", None) is not None]
    return ",".join(ids)


def _std_name(spec: Any) -> str:
    """The file name of a stdout/stderr specification (a path, a ``(path, mode)`` pair or a File)."""
    if spec is None:
        return ""
    if isinstance(spec, (tuple, list)) and spec:
        spec = spec[0]
    if isinstance(spec, os.PathLike) and not hasattr(spec, "url"):
        spec = os.fspath(spec)
    if isinstance(spec, bytes):
        return os.fsdecode(spec)
    return str(getattr(spec, "url", spec))


#: (app name, memoize) -> the static columns of its tasks without arguments by keyword or
#: dependencies, shared between those tasks: read only, by the writer (most tasks of a
#: high-throughput workflow look like this, and building the dict is most of a hook's cost).
_PLAIN: dict[tuple[str, bool], dict[str, Any]] = {}
_static_by_attribute = operator.attrgetter("kwargs", "depends", "func_name", "memoize")


def static_columns(record: Mapping[str, Any]) -> dict[str, Any]:
    """The task columns fixed at submission: app, dependencies, files."""
    try:  # by attribute for the DataFlowKernel's TaskRecord (fast), else by key
        kwargs, depends, name, memoize = _static_by_attribute(record)
    except AttributeError:
        kwargs, depends, name, memoize = (record.get("kwargs"), record.get("depends"), record.get("func_name"),
                                          record.get("memoize", False))
    kwargs, name, memoize = kwargs or {}, name or "unknown", bool(memoize)
    if not kwargs and not depends:
        plain = _PLAIN.get((name, memoize))
        if plain is None:
            plain = _PLAIN[(name, memoize)] = _static(name, memoize, None, {})
        return plain
    return _static(name, memoize, depends, kwargs)


def _static(name: str, memoize: bool, depends: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    stdin = kwargs.get("stdin")
    return {
        "task_func_name": name,
        "task_memoize": str(memoize),
        "task_depends": _ids(depends) or None,
        "task_inputs": str(kwargs.get("inputs")) if "inputs" in kwargs else None,
        "task_outputs": str(kwargs.get("outputs")) if "outputs" in kwargs else None,
        "task_stdin": None if stdin is None else str(stdin),
        "task_stdout": _std_name(kwargs.get("stdout")),
        "task_stderr": _std_name(kwargs.get("stderr")),
    }


#: Task-record fields copied at every transition, in this order.
FIELDS = ("id", "try_id", "hashsum", "fail_count", "fail_cost", "executor", "time_invoked", "time_returned",
          "try_time_launched", "try_time_returned", "joins")
_TIMES = frozenset({"time_invoked", "time_returned", "try_time_launched", "try_time_returned"})


def _by_attributes(keys: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A getter of a TaskRecord's ``keys`` by attribute; the DataFlowKernel's TaskRecord keeps its
    times as seconds since the epoch (``<key>_epoch``), which are read instead: no conversion."""
    return operator.attrgetter(*(f"{k}_epoch" if k in _TIMES else k for k in keys))


_by_attribute = _by_attributes(FIELDS)


def _fields(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """The FIELDS of a record: by attribute for the DataFlowKernel's TaskRecord (fast), else by key."""
    try:
        return _by_attribute(record)
    except AttributeError:
        return tuple(record.get(k) for k in FIELDS)


#: The fields of a task event, in order: the hub sends tuples (cheap to build and to pickle).
TASK_EVENT = ("run_id", "task_id", "try_id", "task_status_name", "timestamp", "task_hashsum", "task_fail_count",
              "task_fail_cost", "task_fail_history", "task_executor", "task_time_invoked", "task_time_returned",
              "task_try_time_launched", "task_try_time_returned", "task_joins", "static", "failure")

def transition(run_id: str, record: Mapping[str, Any], state: States | str, seen: set[int],
               timestamp: Optional[float] = None) -> tuple[Any, ...]:
    """Everything the database records about one transition of one task (fields: TASK_EVENT);
    the task's static columns are included the first time its id is not in ``seen`` (then added).

    The timestamp is ``time.time()`` unless given; it and the record's times are sent as seconds
    since the epoch (a datetime costs several times as much to pickle), and the writer turns them
    into what the database stores. It reads attributes rather than keys where it can (a TaskRecord's are faster).
    """
    name = state if state.__class__ is str else getattr(state, "_name_", None) or state_name(state)
    (task_id, try_id, hashsum, fail_count, fail_cost, executor, invoked, returned,
     launched, try_returned, joins) = _fields(record)
    static = None
    if task_id not in seen:
        seen.add(task_id)
        static = static_columns(record)
    return (run_id, task_id, try_id or 0, name, timestamp or time.time(), hashsum, fail_count or 0, fail_cost or 0.0,
            ",".join(str(h) for h in record.get("fail_history") or ()) if fail_count else "",
            executor or "",  # the record's times as seconds since the epoch (see ``times.epoch``, inlined)
            invoked.timestamp() if invoked.__class__ is _datetime else invoked,
            returned.timestamp() if returned.__class__ is _datetime else returned,
            launched.timestamp() if launched.__class__ is _datetime else launched,
            try_returned.timestamp() if try_returned.__class__ is _datetime else try_returned,
            None if joins is None else _ids(joins),
            static, failure_of(record) if name in FAILURE_STATES else None)


def _current(record: Mapping[str, Any], try_id: int, name: str) -> bool:
    """Whether ``record`` is still at this try and, for a DataFlowKernel's TaskRecord, this state.

    The DataFlowKernel sets a task's state before it calls the hooks: a TaskRecord in another
    state has made a later transition, queued after this one, which copies the columns then.
    """
    try:
        return bool(record.try_id == try_id and record.status._name_ == name)  # type: ignore[attr-defined]
    except AttributeError:
        return bool((record.get("try_id") or 0) == try_id)


#: Slots of one entry in the hub's queue, which is flat: ``(kind, event, None, None, None)``, or
#: for a transition that is not a failure ``(record, task_id, try_id, state name, time)``. A flat
#: list holds no tuple per transition for the cycle collector to count and traverse while it waits
#: (a tuple holding a record is tracked: 3 per task cost a no-op workflow more collections).
ENTRY = 5

#: The fields of each record tuple of a ``transitions`` event (its ``records``), in order.
RECORD_COLUMNS = FIELDS[2:]
_record_by_attribute = _by_attributes(RECORD_COLUMNS)
_JOINS = RECORD_COLUMNS.index("joins")
_TIME_AT = [i for i, k in enumerate(RECORD_COLUMNS) if k in _TIMES]


def _record_by_key(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """``RECORD_COLUMNS`` of a record read by key, times as seconds since the epoch."""
    values = [record.get(k) for k in RECORD_COLUMNS]
    for i in _TIME_AT:
        t = values[i]
        values[i] = t.timestamp() if t.__class__ is _datetime else t
    return tuple(values)


def expand(run_id: str, batch: list[Any], seen: set[int]) -> list[tuple[str, Any]]:
    """The events of a batch the hub queued (``ENTRY`` slots each): each run of transitions
    becomes one ``transitions`` event (see ``transitions``), which also carries the worker reports
    queued among them (HTEX queues one per task, just before its final transition), at their place;
    other ``(kind, event)`` entries keep their place between runs.
    """
    tries = batch[2::ENTRY]
    if None not in tries:  # only transitions (a transition's try is never None)
        return [("transitions", transitions(run_id, batch, seen))] if batch else []
    kinds = batch[0::ENTRY]
    out: list[tuple[str, Any]] = []
    run: list[Any] = []
    reports: list[tuple[int, Any]] = []
    start = 0
    for i in [i for i, try_id in enumerate(tries) if try_id is None]:
        run += batch[start * ENTRY:i * ENTRY]
        start = i + 1
        if kinds[i] == "worker":
            reports.append((len(run) // ENTRY, batch[i * ENTRY + 1]))
            continue
        if run or reports:
            out.append(("transitions", transitions(run_id, run, seen, reports)))
            run, reports = [], []
        out.append((kinds[i], batch[i * ENTRY + 1]))
    run += batch[start * ENTRY:]
    if run or reports:
        out.append(("transitions", transitions(run_id, run, seen, reports)))
    return out


def transitions(run_id: str, batch: list[Any], seen: set[int], workers: Optional[list[tuple[int, Any]]] = None
                ) -> dict[str, Any]:
    """Queued transitions (``ENTRY`` slots each, none a ``(kind, event)``) as one event of columns,
    with ``workers``: ``(position, (task id, try id, interval, worker report))``, each report queued
    before the transition at that position (the writer keeps their order: see ``batch.Plan``).

    Copying the record's columns at every transition, and a tuple per transition, were most of
    what monitoring cost a workflow. Here the transitions are columns (``task_id``, ``try_id``,
    ``state``, ``time``: slices of the queue), and only the last transition of each record gets
    the record's columns (a tuple of ``RECORD_COLUMNS`` in ``records``, with ``fail_history`` and
    ``static``, for the transitions at positions ``rows``), as they are now: the latest, which is
    what the database keeps. A record that has moved on since (another try, or another state: see
    ``_current``) gets none here: its later transition, queued too, carries them (a failure's
    task event is made at once, see ``FAILURE_STATES``). ``static`` is a task's static columns
    the first time its id is not in ``seen`` (then added), else None;
    times are seconds since the epoch.
    """
    records, task_ids, tries, names = batch[0::ENTRY], batch[1::ENTRY], batch[2::ENTRY], batch[3::ENTRY]
    last = dict(zip(map(id, records), range(len(records))))  # each record's last entry
    try:  # ``_current`` inlined for the DataFlowKernel's TaskRecord (most of a chunk's rows)
        rows = [i for i in last.values() if records[i].try_id == tries[i] and records[i].status._name_ == names[i]]
    except AttributeError:
        rows = [i for i in last.values() if _current(records[i], tries[i], names[i])]
    picked = [records[i] for i in rows]
    try:  # by attribute for the DataFlowKernel's TaskRecord (fast, times as numbers), else by key
        copies = list(map(_record_by_attribute, picked))
    except AttributeError:
        copies = list(map(_record_by_key, picked))
    if any(c[_JOINS] is not None for c in copies):  # a join app's: the ids of what it joined
        copies = [c if c[_JOINS] is None else (*c[:_JOINS], _ids(c[_JOINS]), *c[_JOINS + 1:]) for c in copies]
    histories = [",".join(str(h) for h in r.get("fail_history") or ()) if c[1] else ""
                 for r, c in zip(picked, copies)] if any(c[1] for c in copies) else [""] * len(copies)
    statics: list[Optional[dict[str, Any]]] = [None] * len(rows)
    for at, i in enumerate(rows):
        task_id = task_ids[i]
        if task_id not in seen:
            seen.add(task_id)
            statics[at] = static_columns(picked[at])
    return {"run_id": run_id, "task_id": task_ids, "try_id": tries, "state": names, "time": batch[4::ENTRY],
            "workers": workers or [], "rows": rows, "records": copies, "fail_history": histories, "static": statics}


def task_event(event: tuple[Any, ...]) -> dict[str, Any]:
    """A task event as a dict of TASK_EVENT fields, with its timestamp as a datetime."""
    e = dict(zip(TASK_EVENT, event))
    e["timestamp"] = datetime.datetime.fromtimestamp(e["timestamp"])
    e["task_fail_cost"] = float(e["task_fail_cost"])
    return e


def failure_of(record: Mapping[str, Any]) -> Optional[dict[str, Optional[str]]]:
    """The exception of a failed try, with its traceback, if the record still holds it."""
    exc = record.get("exception")
    if exc is None:
        for key in ("exec_fu", "app_fu"):
            fu = record.get(key)
            if fu is not None and fu.done() and not fu.cancelled():
                exc = fu.exception(timeout=0)
                if exc is None and hasattr(fu.result(timeout=0), "get_exception"):
                    exc = fu.result(timeout=0).get_exception()  # a RemoteExceptionWrapper
                if exc is not None:
                    break
    if exc is None:
        history = record.get("fail_history") or ()
        if not history:
            return None
        return {"exception_type": "unknown", "message": str(history[-1]), "traceback": None}
    tb_text = getattr(exc, "remote_traceback", None)  # set by some executors for remote failures
    if tb_text is None:
        tb_text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"exception_type": type(exc).__name__, "message": str(exc), "traceback": tb_text}
