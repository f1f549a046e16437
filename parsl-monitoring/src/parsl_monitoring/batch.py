"""Turning a batch of monitoring events into the fewest statements that record all of them.

Within a batch the task, try and task-state rows of one task are folded into one insert or one
update (its latest event carries every column that changes); status, resource and block rows
are all kept. Rows are built as tuples in the order of each statement's columns, and times stay
numbers (seconds since the epoch) until the writer binds them. ``Plan`` is pure: it only says
what to write, and the writer marks the new rows as inserted after the transaction commits, so
a batch that fails can be written again unchanged.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Iterable, Optional

import attrs

from parsl_monitoring import schema
from parsl_monitoring.times import epoch, micros
from parsl_monitoring.worker import report_dict

Key = tuple[Any, ...]
#: (statement, the names of its parameters, one tuple of values per row in that order)
Statement = tuple[Any, tuple[str, ...], list[tuple[Any, ...]]]

_TASK_STATIC = ("task_func_name", "task_memoize", "task_depends", "task_inputs", "task_outputs",
                "task_stdin", "task_stdout", "task_stderr")
_NO_STATIC = ("unknown", "False", None, None, None, None, None, None)
_TASK_DYNAMIC = ("task_hashsum", "task_time_invoked", "task_time_returned", "task_fail_count", "task_fail_cost")
_TRY_DFK = ("task_executor", "task_try_time_launched", "task_try_time_returned", "task_fail_history", "task_joins")
_TRY_WORKER = ("hostname", "block_id", "task_try_time_running")
_FAILURE = ("timestamp", "exception_type", "message", "traceback")
_FINAL_COUNTED = {"exec_done": "tasks_completed_count", "failed": "tasks_failed_count",
                  "dep_fail": "tasks_failed_count"}
#: One microsecond: a status time equal to the task's previous one is moved on by this much.
_TICK = 1e-6


def _dynamic(e: tuple[Any, ...]) -> tuple[Any, ...]:
    """The task columns a task event (``records.TASK_EVENT``) may change, in ``_TASK_DYNAMIC`` order."""
    return (e[5], e[10], e[11], e[6] or 0, float(e[7] or 0.0))


def _try_dfk(e: tuple[Any, ...]) -> tuple[Any, ...]:
    """The try columns a task event sets, in ``_TRY_DFK`` order."""
    return (e[9] or "", e[12], e[13], e[8], e[14])


@attrs.define
class Known:
    """What the writer has committed so far (keys of inserted rows, the latest state per task)."""

    tasks: set[Key] = attrs.Factory(set)
    tries: set[Key] = attrs.Factory(set)
    failures: set[Key] = attrs.Factory(set)
    states: dict[Key, str] = attrs.Factory(dict)
    last_status_time: dict[Key, float] = attrs.Factory(dict)
    last_block_time: dict[Key, datetime.datetime] = attrs.Factory(dict)
    counts: dict[str, dict[str, int]] = attrs.Factory(dict)
    nodes: set[Key] = attrs.Factory(set)
    funcs: dict[Key, str] = attrs.Factory(dict)
    workflows: set[str] = attrs.Factory(set)
    #: Rows of the append-only tables already present (filled only when importing into a database).
    present: set[Key] = attrs.Factory(set)

    @classmethod
    def from_database(cls, conn: Any, run_ids: Iterable[str]) -> Known:
        """What the database already holds of these runs (to add events to them later)."""
        import sqlalchemy as sa

        known = cls()
        for run_id in run_ids:
            def rows(table: Any, *columns: str) -> list[tuple[Any, ...]]:
                stmt = sa.select(*(table.c[c] for c in columns)).where(table.c.run_id == run_id)  # noqa: B023
                return [tuple(r) for r in conn.execute(stmt)]

            if rows(schema.workflow, "run_id"):
                known.workflows.add(run_id)
            known.tasks.update(rows(schema.task, "run_id", "task_id"))
            known.tries.update(rows(schema.try_, "run_id", "task_id", "try_id"))
            known.failures.update(rows(schema.failure, "run_id", "task_id", "try_id"))
            for _, task_id, name, func in rows(schema.task_state, "run_id", "task_id", "task_status_name",
                                               "task_func_name"):
                known.states[(run_id, task_id)] = name
                known.funcs[(run_id, task_id)] = func
            known.present.update(("status", *r[:-1], micros(r[-1]))
                                 for r in rows(schema.status, "run_id", "task_id", "timestamp"))
            known.present.update(("resource", *r[:-1], micros(r[-1]))
                                 for r in rows(schema.resource, "run_id", "task_id", "try_id", "timestamp"))
            known.present.update(("block", *r) for r in rows(schema.block, "run_id", "block_id", "executor_label",
                                                             "timestamp"))
            known.nodes.update(rows(schema.node, "run_id", "hostname", "uid"))
            w = schema.workflow
            counts = conn.execute(sa.select(w.c.tasks_completed_count, w.c.tasks_failed_count)
                                  .where(w.c.run_id == run_id)).first()
            if counts is not None:
                known.counts[run_id] = {"tasks_completed_count": counts[0], "tasks_failed_count": counts[1]}
        return known


@attrs.define
class Plan:
    """The rows to insert and update for one batch, table by table."""

    known: Known
    workflows: list[dict[str, Any]] = attrs.Factory(list)
    workflow_ends: list[dict[str, Any]] = attrs.Factory(list)
    #: task key -> the task's latest ``_TASK_DYNAMIC``; try key -> the try's latest ``_TRY_DFK``
    tasks: dict[Key, tuple[Any, ...]] = attrs.Factory(dict)
    tries: dict[Key, tuple[Any, ...]] = attrs.Factory(dict)
    statics: dict[Key, tuple[Any, ...]] = attrs.Factory(dict)
    try_workers: dict[Key, tuple[Any, ...]] = attrs.Factory(dict)
    #: task key -> (try id, latest state, its time)
    states: dict[Key, tuple[int, str, float]] = attrs.Factory(dict)
    failures: dict[Key, tuple[Any, ...]] = attrs.Factory(dict)
    status: list[tuple[Any, ...]] = attrs.Factory(list)
    resources: list[dict[str, Any]] = attrs.Factory(list)
    blocks: list[dict[str, Any]] = attrs.Factory(list)
    transfers: list[dict[str, Any]] = attrs.Factory(list)
    nodes: dict[Key, dict[str, Any]] = attrs.Factory(dict)
    status_times: dict[Key, float] = attrs.Factory(dict)
    block_times: dict[Key, datetime.datetime] = attrs.Factory(dict)
    funcs: dict[Key, str] = attrs.Factory(dict)
    _static_rows: dict[int, tuple[tuple[Any, ...], dict[str, Any]]] = attrs.Factory(dict)
    _counted: Optional[dict[str, dict[str, int]]] = None

    def add(self, kind: str, event: Any) -> None:
        _ADDERS[kind](self, event)

    # -- events -------------------------------------------------------------------------------

    def _add_workflow_start(self, event: dict[str, Any]) -> None:
        self.workflows.append(event)

    def _add_workflow_end(self, event: dict[str, Any]) -> None:
        self.workflow_ends.append(event)

    def _add_task(self, e: tuple[Any, ...]) -> None:
        """A task event (``records.TASK_EVENT``): a transition, with the record's columns then."""
        run_id, task_id, try_id = e[0], e[1], e[2] or 0
        self._status(run_id, task_id, try_id, e[3], e[4])
        self._record(run_id, task_id, try_id, e[15], _dynamic(e), _try_dfk(e))
        failure = e[16]
        if failure is not None:
            self.failures[(run_id, task_id, try_id)] = (
                self.status_times[(run_id, task_id)], failure["exception_type"], failure["message"],
                failure["traceback"])

    def _add_transitions(self, e: dict[str, Any]) -> None:
        """Transitions as columns, some with their record's columns (see ``records.transitions``)."""
        run_id, task_ids, tries, names, times = e["run_id"], e["task_id"], e["try_id"], e["state"], e["time"]
        status = self._status
        reports = iter(e["workers"])  # (position among the transitions, report), in order
        at, report = next(reports, (-1, ()))
        for i, (task_id, try_id, name, ts) in enumerate(zip(task_ids, tries, names, times)):
            while i == at:
                self._report(run_id, report)
                at, report = next(reports, (-1, ()))
            status(run_id, task_id, try_id, name, ts)
        if at >= 0:  # reports after the last transition
            self._report(run_id, report)
            for _, report in reports:
                self._report(run_id, report)
        for i, static, history, (hashsum, fail_count, fail_cost, executor, invoked, returned, launched, try_returned,
                                  joins) in zip(e["rows"], e["static"], e["fail_history"], e["records"]):
            self._record(run_id, task_ids[i], tries[i], static,
                         (hashsum, invoked, returned, fail_count or 0, float(fail_cost or 0.0)),
                         (executor or "", launched, try_returned, history, joins))

    def _report(self, run_id: str, report: tuple[Any, ...]) -> None:
        """A worker's report as ``transitions`` carry it: (task id, try id, interval, ``worker.REPORT_FIELDS``)."""
        task_id, try_id, interval, fields = report
        self._add_worker({"run_id": run_id, "task_id": task_id, "try_id": try_id, "interval": interval,
                          **report_dict(fields)})

    def _record(self, run_id: str, task_id: int, try_id: int, static: Any, dynamic: tuple[Any, ...],
                try_dfk: tuple[Any, ...]) -> None:
        """A task's record columns: ``_TASK_DYNAMIC`` and ``_TRY_DFK``, and its static ones if given."""
        tkey = (run_id, task_id)
        if static is not None:
            # tasks of one app share one static dict in the hub, and so in each batch
            cached = self._static_rows.get(id(static))
            if cached is None:
                cached = self._static_rows[id(static)] = (tuple(static.get(k) for k in _TASK_STATIC), static)
            self.statics[tkey] = cached[0]
            self.funcs[tkey] = static["task_func_name"]
        self.tasks[tkey] = dynamic
        self.tries[(run_id, task_id, try_id)] = try_dfk

    def _status(self, run_id: str, task_id: int, try_id: int, name: str, ts: Any) -> None:
        if ts.__class__ is not float:
            ts = epoch(ts)
        known = self.known
        if known.present and ("status", run_id, task_id, micros(ts)) in known.present:
            return  # imported twice
        tkey = (run_id, task_id)
        last = self.status_times.get(tkey) or known.last_status_time.get(tkey)
        if last is not None and ts <= last:
            ts = last + _TICK  # the status primary key includes the timestamp: keep it unique
        self.status_times[tkey] = ts
        self.status.append((run_id, task_id, try_id, name, ts))
        self.states[tkey] = (try_id, name, ts)

    def _add_transfer(self, e: dict[str, Any]) -> None:
        self.transfers.append(e)

    def _add_block(self, e: dict[str, Any]) -> None:
        key = (e["run_id"], e["block_id"], e["executor_label"])
        if ("block", *key, e["timestamp"]) in self.known.present:
            return
        last = self.block_times.get(key) or self.known.last_block_time.get(key)
        if last is not None and e["timestamp"] <= last:
            e = {**e, "timestamp": last + datetime.timedelta(microseconds=1)}
        self.block_times[key] = e["timestamp"]
        self.blocks.append(e)

    def _add_worker(self, e: dict[str, Any]) -> None:
        """A try's report from its worker: where and when it ran, and its resource samples."""
        run_id, task_id, try_id = e["run_id"], e["task_id"], e["try_id"]
        started = epoch(e["time_started"])
        self.try_workers[(run_id, task_id, try_id)] = (e["hostname"], e["block_id"], started)
        self._status(run_id, task_id, try_id, "running", started)
        self._status(run_id, task_id, try_id, "running_ended", e["time_ended"])
        seen: set[int] = set()
        for sample in e["samples"]:
            ts = micros(sample["timestamp"])
            if ("resource", run_id, task_id, try_id, ts) in self.known.present or ts in seen:
                continue
            seen.add(ts)
            self.resources.append({"run_id": run_id, "task_id": task_id, "try_id": try_id,
                                   "resource_monitoring_interval": e["interval"], **sample})
        node = e.get("node")
        if node is not None:
            nkey = (run_id, node["hostname"], node["uid"])
            if nkey not in self.known.nodes:
                self.nodes[nkey] = {"run_id": run_id, **node}

    # -- statements ---------------------------------------------------------------------------

    def statements(self) -> Iterable[Statement]:
        """The statements of this batch with their rows, in an order that satisfies the foreign keys."""
        k = self.known
        new_workflows = [w for w in self.workflows if w["run_id"] not in k.workflows]
        yield _dicts(schema.workflow.insert(), [c.name for c in schema.workflow.columns], new_workflows)
        yield _dicts(schema.workflow_process.insert(), [c.name for c in schema.workflow_process.columns],
                     [w for w in new_workflows if w.get("pid") is not None])
        yield from self._task_statements()
        yield from self._try_statements()
        yield schema.status.insert(), ("run_id", "task_id", "try_id", "task_status_name", "timestamp"), self.status
        if self.transfers:
            yield _dicts(schema.transfer.insert(), list(self.transfers[0]), self.transfers)
        yield from self._state_statements()
        if self.resources:
            yield _dicts(schema.resource.insert(), list(self.resources[0]), self.resources)
        if self.blocks:
            yield _dicts(schema.block.insert(), list(self.blocks[0]), self.blocks)
        nodes = list(self.nodes.values())
        if nodes:
            yield _dicts(schema.node.insert(), list(nodes[0]), nodes)
        counts = self._counts()
        yield _update(schema.workflow, ("run_id",), ("tasks_completed_count", "tasks_failed_count"), [
            (run_id, c["tasks_completed_count"], c["tasks_failed_count"]) for run_id, c in counts.items()])
        yield _update(schema.workflow, ("run_id",), ("time_completed",), [
            (w["run_id"], w["time_completed"]) for w in self.workflow_ends])

    def _task_statements(self) -> Iterable[Statement]:
        known, statics = self.known.tasks, self.statics
        new, changed = [], []
        for key, e in self.tasks.items():
            if key in known:
                changed.append((*key, *e))
            else:
                new.append((*key, *statics.get(key, _NO_STATIC), *e))
        yield schema.task.insert(), ("run_id", "task_id", *_TASK_STATIC, *_TASK_DYNAMIC), new
        yield _update(schema.task, ("run_id", "task_id"), _TASK_DYNAMIC, changed)

    def _try_statements(self) -> Iterable[Statement]:
        known, workers = self.known.tries, self.try_workers
        new, changed, changed_workers = [], [], []
        for key, e in self.tries.items():
            if key in known:
                changed.append((*key, *e))
            else:
                new.append((*key, *e, *workers.get(key, (None, None, None))))
        for key, w in workers.items():
            if key in known:
                changed_workers.append((*key, *w))
            elif key not in self.tries:  # the worker's report came before any event of its try
                new.append((*key, "", None, None, None, None, *w))
        yield schema.try_.insert(), ("run_id", "task_id", "try_id", *_TRY_DFK, *_TRY_WORKER), new
        yield _update(schema.try_, ("run_id", "task_id", "try_id"), _TRY_DFK, changed)
        yield _update(schema.try_, ("run_id", "task_id", "try_id"), _TRY_WORKER, changed_workers)

    def _state_statements(self) -> Iterable[Statement]:
        k = self.known
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        for key, (try_id, name, ts) in self.states.items():
            func = self.funcs.get(key) or k.funcs.get(key) or "unknown"
            (changed if key in k.states else new).append((*key, try_id, name, ts, func))
        columns = ("try_id", "task_status_name", "timestamp", "task_func_name")
        yield schema.task_state.insert(), ("run_id", "task_id", *columns), new
        yield _update(schema.task_state, ("run_id", "task_id"), columns, changed)
        new_f: list[tuple[Any, ...]] = []
        changed_f: list[tuple[Any, ...]] = []
        for key, f in self.failures.items():
            (changed_f if key in k.failures else new_f).append((*key, *f))
        yield schema.failure.insert(), ("run_id", "task_id", "try_id", *_FAILURE), new_f
        yield _update(schema.failure, ("run_id", "task_id", "try_id"), _FAILURE, changed_f)

    def _counts(self) -> dict[str, dict[str, int]]:
        """The workflows' changed task counts (worked out once: the statements and the commit use them)."""
        if self._counted is not None:
            return self._counted
        known = self.known
        counts = {run_id: dict(c) for run_id, c in known.counts.items()}
        for w in self.workflows:
            counts.setdefault(w["run_id"], {"tasks_completed_count": 0, "tasks_failed_count": 0})
        c: dict[str, int] = {}
        run_id = None
        for key, (_, name, _) in self.states.items():
            if key[0] != run_id:
                run_id = key[0]
                c = counts.setdefault(run_id, {"tasks_completed_count": 0, "tasks_failed_count": 0})
            before = _FINAL_COUNTED.get(known.states.get(key, ""))
            if before:
                c[before] -= 1
            after = _FINAL_COUNTED.get(name)
            if after:
                c[after] += 1
        ended = {w["run_id"] for w in self.workflow_ends}
        self._counted = {run_id: c for run_id, c in counts.items() if c != known.counts.get(run_id) or run_id in ended}
        return self._counted

    def commit(self) -> None:
        """Record in ``known`` that this plan's rows are now in the database."""
        k = self.known
        k.counts.update(self._counts())
        k.tasks.update(self.tasks)
        k.tries.update(self.tries)
        k.tries.update(self.try_workers)
        k.failures.update(self.failures)
        k.states.update((key, name) for key, (_, name, _) in self.states.items())
        k.last_status_time.update(self.status_times)
        k.last_block_time.update(self.block_times)
        k.nodes.update(self.nodes)
        k.funcs.update(self.funcs)
        k.workflows.update(w["run_id"] for w in self.workflows)


_ADDERS: dict[str, Callable[[Plan, Any], None]] = {
    name[len("_add_"):]: getattr(Plan, name) for name in dir(Plan) if name.startswith("_add_")}


def _dicts(stmt: Any, keys: list[str], rows: list[dict[str, Any]]) -> Statement:
    """A statement whose rows are dicts (the rarer events): as tuples of ``keys``."""
    return stmt, tuple(keys), [tuple(r.get(k) for k in keys) for r in rows]


_update_cache: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[Any, tuple[str, ...]]] = {}


def _update(table: Any, keys: tuple[str, ...], columns: tuple[str, ...],
            rows: list[tuple[Any, ...]]) -> Statement:
    """An UPDATE of ``columns`` of the row whose primary key is ``keys``; rows are keys then columns."""
    cache_key = (table.name, keys, columns)
    cached = _update_cache.get(cache_key)
    if cached is None:
        from sqlalchemy import and_, bindparam

        stmt = table.update().where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys))).values(
            {c: bindparam(f"v_{c}") for c in columns})
        cached = _update_cache[cache_key] = (stmt, (*(f"k_{k}" for k in keys), *(f"v_{c}" for c in columns)))
    return cached[0], cached[1], rows
