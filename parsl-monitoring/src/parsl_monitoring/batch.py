"""Turning a batch of monitoring events into the fewest statements that record all of them.

Within a batch the task, try and task-state rows of one task are folded into one insert or one
update; status, resource and block rows are all kept. ``Plan`` is pure: it only says what to
write, and the writer marks the new rows as inserted after the transaction commits, so a batch
that fails can be written again unchanged.
"""

from __future__ import annotations

import datetime
from typing import Any, Iterable

import attrs

from parsl_monitoring import schema
from parsl_monitoring.records import task_event

Key = tuple[Any, ...]

_TASK_STATIC = ("task_func_name", "task_memoize", "task_depends", "task_inputs", "task_outputs",
                "task_stdin", "task_stdout", "task_stderr")
_TASK_DYNAMIC = ("task_hashsum", "task_time_invoked", "task_time_returned", "task_fail_count", "task_fail_cost")
_TRY_DFK = ("task_executor", "task_try_time_launched", "task_try_time_returned", "task_fail_history", "task_joins")
_TRY_WORKER = ("hostname", "block_id", "task_try_time_running")
_FINAL_COUNTED = {"exec_done": "tasks_completed_count", "failed": "tasks_failed_count",
                  "dep_fail": "tasks_failed_count"}
_TICK = datetime.timedelta(microseconds=1)


@attrs.define
class Known:
    """What the writer has committed so far (keys of inserted rows, the latest state per task)."""

    tasks: set[Key] = attrs.Factory(set)
    tries: set[Key] = attrs.Factory(set)
    failures: set[Key] = attrs.Factory(set)
    states: dict[Key, str] = attrs.Factory(dict)
    last_status_time: dict[Key, datetime.datetime] = attrs.Factory(dict)
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
            known.present.update(("status", *r) for r in rows(schema.status, "run_id", "task_id", "timestamp"))
            known.present.update(("resource", *r) for r in rows(schema.resource, "run_id", "task_id", "try_id",
                                                                "timestamp"))
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
    tasks: dict[Key, dict[str, Any]] = attrs.Factory(dict)
    tries: dict[Key, dict[str, Any]] = attrs.Factory(dict)
    try_workers: dict[Key, dict[str, Any]] = attrs.Factory(dict)
    states: dict[Key, dict[str, Any]] = attrs.Factory(dict)
    failures: dict[Key, dict[str, Any]] = attrs.Factory(dict)
    status: list[dict[str, Any]] = attrs.Factory(list)
    resources: list[dict[str, Any]] = attrs.Factory(list)
    blocks: list[dict[str, Any]] = attrs.Factory(list)
    transfers: list[dict[str, Any]] = attrs.Factory(list)
    nodes: dict[Key, dict[str, Any]] = attrs.Factory(dict)
    status_times: dict[Key, datetime.datetime] = attrs.Factory(dict)
    block_times: dict[Key, datetime.datetime] = attrs.Factory(dict)
    final_states: dict[Key, str] = attrs.Factory(dict)
    funcs: dict[Key, str] = attrs.Factory(dict)

    def add(self, kind: str, event: dict[str, Any]) -> None:
        getattr(self, f"_add_{kind}")(event)

    # -- events -------------------------------------------------------------------------------

    def _add_workflow_start(self, event: dict[str, Any]) -> None:
        self.workflows.append(event)

    def _add_workflow_end(self, event: dict[str, Any]) -> None:
        self.workflow_ends.append(event)

    def _add_task(self, event: tuple[Any, ...]) -> None:
        e = task_event(event)
        run_id, task_id, try_id = e["run_id"], e["task_id"], e["try_id"]
        tkey, ykey = (run_id, task_id), (run_id, task_id, try_id)
        row = self.tasks.setdefault(tkey, {"run_id": run_id, "task_id": task_id})
        if e["static"] is not None:
            row.update(e["static"])
            self.funcs[tkey] = e["static"]["task_func_name"]
        row.update((k, e[k]) for k in _TASK_DYNAMIC)
        self.tries.setdefault(ykey, {"run_id": run_id, "task_id": task_id, "try_id": try_id}).update(
            (k, e[k]) for k in _TRY_DFK)
        self._status(run_id, task_id, try_id, e["task_status_name"], e["timestamp"])
        if e["failure"] is not None:
            self.failures[ykey] = {"run_id": run_id, "task_id": task_id, "try_id": try_id,
                                   "timestamp": e["timestamp"], **e["failure"]}

    def _status(self, run_id: str, task_id: int, try_id: int, name: str, ts: datetime.datetime) -> None:
        tkey = (run_id, task_id)
        if ("status", run_id, task_id, ts) in self.known.present:
            return  # imported twice
        last = self.status_times.get(tkey) or self.known.last_status_time.get(tkey)
        if last is not None and ts <= last:
            ts = last + _TICK  # the status primary key includes the timestamp: keep it unique
        self.status_times[tkey] = ts
        self.status.append({"run_id": run_id, "task_id": task_id, "try_id": try_id,
                            "task_status_name": name, "timestamp": ts})
        func = self.funcs.get(tkey) or self.known.funcs.get(tkey) or "unknown"
        self.states[tkey] = {"run_id": run_id, "task_id": task_id, "try_id": try_id,
                             "task_status_name": name, "timestamp": ts, "task_func_name": func}
        self.final_states[tkey] = name

    def _add_transfer(self, e: dict[str, Any]) -> None:
        self.transfers.append(e)

    def _add_block(self, e: dict[str, Any]) -> None:
        key = (e["run_id"], e["block_id"], e["executor_label"])
        if ("block", *key, e["timestamp"]) in self.known.present:
            return
        last = self.block_times.get(key) or self.known.last_block_time.get(key)
        if last is not None and e["timestamp"] <= last:
            e = {**e, "timestamp": last + _TICK}
        self.block_times[key] = e["timestamp"]
        self.blocks.append(e)

    def _add_worker(self, e: dict[str, Any]) -> None:
        """A try's report from its worker: where and when it ran, and its resource samples."""
        run_id, task_id, try_id = e["run_id"], e["task_id"], e["try_id"]
        ykey = (run_id, task_id, try_id)
        self.try_workers.setdefault(ykey, {"run_id": run_id, "task_id": task_id, "try_id": try_id}).update(
            hostname=e["hostname"], block_id=e["block_id"], task_try_time_running=e["time_started"])
        self._status(run_id, task_id, try_id, "running", e["time_started"])
        self._status(run_id, task_id, try_id, "running_ended", e["time_ended"])
        seen: set[datetime.datetime] = set()
        for sample in e["samples"]:
            present = ("resource", run_id, task_id, try_id, sample["timestamp"]) in self.known.present
            if present or sample["timestamp"] in seen:
                continue
            seen.add(sample["timestamp"])
            self.resources.append({"run_id": run_id, "task_id": task_id, "try_id": try_id,
                                   "resource_monitoring_interval": e["interval"], **sample})
        node = e.get("node")
        if node is not None:
            nkey = (run_id, node["hostname"], node["uid"])
            if nkey not in self.known.nodes:
                self.nodes[nkey] = {"run_id": run_id, **node}

    # -- statements ---------------------------------------------------------------------------

    def statements(self) -> Iterable[tuple[Any, list[dict[str, Any]]]]:
        """(statement, parameter rows) pairs, in an order that satisfies the foreign keys."""
        k = self.known
        new_workflows = [w for w in self.workflows if w["run_id"] not in k.workflows]
        yield schema.workflow.insert(), [{c.name: w[c.name] for c in schema.workflow.columns} for w in new_workflows]
        yield schema.workflow_process.insert(), [{c.name: w[c.name] for c in schema.workflow_process.columns}
                                                 for w in new_workflows if w.get("pid") is not None]
        task_new = [r for key, r in self.tasks.items() if key not in k.tasks]
        yield schema.task.insert(), [_complete_task(r) for r in task_new]
        yield _update(schema.task, ("run_id", "task_id"), _TASK_DYNAMIC), [
            r for key, r in self.tasks.items() if key in k.tasks]
        tries = dict(self.tries)
        for key, w in self.try_workers.items():
            if key not in k.tries and key not in tries:
                tries[key] = {**w, "task_executor": ""}
        yield schema.try_.insert(), [_complete_try({**r, **self.try_workers.get(key, {})})
                                     for key, r in tries.items() if key not in k.tries]
        yield _update(schema.try_, ("run_id", "task_id", "try_id"), _TRY_DFK), [
            r for key, r in tries.items() if key in k.tries]
        yield _update(schema.try_, ("run_id", "task_id", "try_id"), _TRY_WORKER), [
            w for key, w in self.try_workers.items() if key in k.tries]
        yield schema.status.insert(), self.status
        yield schema.transfer.insert(), self.transfers
        yield schema.task_state.insert(), [r for key, r in self.states.items() if key not in k.states]
        yield _update(schema.task_state, ("run_id", "task_id"), ("try_id", "task_status_name", "timestamp")), [
            r for key, r in self.states.items() if key in k.states]
        yield schema.failure.insert(), [r for key, r in self.failures.items() if key not in k.failures]
        yield _update(schema.failure, ("run_id", "task_id", "try_id"),
                      ("timestamp", "exception_type", "message", "traceback")), [
            r for key, r in self.failures.items() if key in k.failures]
        yield schema.resource.insert(), self.resources
        yield schema.block.insert(), self.blocks
        yield schema.node.insert(), list(self.nodes.values())
        counts = self._counts()
        yield _update(schema.workflow, ("run_id",), ("tasks_completed_count", "tasks_failed_count")), [
            {"run_id": run_id, **c} for run_id, c in counts.items()]
        yield _update(schema.workflow, ("run_id",), ("time_completed",)), self.workflow_ends

    def _counts(self) -> dict[str, dict[str, int]]:
        counts = {run_id: dict(c) for run_id, c in self.known.counts.items()}
        for key, name in self.final_states.items():
            c = counts.setdefault(key[0], {"tasks_completed_count": 0, "tasks_failed_count": 0})
            before = _FINAL_COUNTED.get(self.known.states.get(key, ""))
            if before:
                c[before] -= 1
            after = _FINAL_COUNTED.get(name)
            if after:
                c[after] += 1
        for w in self.workflows:
            counts.setdefault(w["run_id"], {"tasks_completed_count": 0, "tasks_failed_count": 0})
        return {run_id: c for run_id, c in counts.items()
                if c != self.known.counts.get(run_id) or any(w["run_id"] == run_id for w in self.workflow_ends)}

    def commit(self) -> None:
        """Record in ``known`` that this plan's rows are now in the database."""
        k = self.known
        k.counts.update(self._counts())
        k.tasks.update(self.tasks)
        k.tries.update(self.tries)
        k.tries.update(self.try_workers)
        k.failures.update(self.failures)
        k.states.update(self.final_states)
        k.last_status_time.update(self.status_times)
        k.last_block_time.update(self.block_times)
        k.nodes.update(self.nodes)
        k.funcs.update(self.funcs)
        k.workflows.update(w["run_id"] for w in self.workflows)


_update_cache: dict[tuple[str, tuple[str, ...], tuple[str, ...]], _Bound] = {}


def _update(table: Any, keys: tuple[str, ...], columns: tuple[str, ...]) -> _Bound:
    """An executemany-able UPDATE of ``columns`` of the row whose primary key is ``keys``."""
    cache_key = (table.name, keys, columns)
    bound = _update_cache.get(cache_key)
    if bound is None:
        from sqlalchemy import and_, bindparam

        stmt = table.update().where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys))).values(
            {c: bindparam(f"v_{c}") for c in columns})
        bound = _update_cache[cache_key] = _Bound(stmt, keys, columns)
    return bound


@attrs.frozen
class _Bound:
    """An UPDATE statement with the renaming its parameter rows need."""

    stmt: Any
    keys: tuple[str, ...]
    columns: tuple[str, ...]

    def rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**{f"k_{k}": r[k] for k in self.keys}, **{f"v_{c}": r.get(c) for c in self.columns}}
                for r in rows]


def _complete_task(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {c: None for c in _TASK_STATIC}
    out.update(task_func_name="unknown", task_memoize="False", task_fail_count=0, task_fail_cost=0.0)
    out.update(row)
    return out


def _complete_try(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {c: None for c in (*_TRY_DFK, *_TRY_WORKER)}
    out["task_executor"] = ""
    out.update(row)
    return out
