"""Read-only queries over a monitoring database, shared by the dashboard, ``parsl status`` and export.

Results are plain dicts and lists. Large workflows are bounded: per-task views return at most
``limit`` tasks (with the total, so a page can say what it left out) and aggregate views are
computed in SQL over indexed columns, so a page for 100,000 tasks still answers quickly. A
database written by Parsl itself (no ``task_state`` table) is read too, the latest state of each
task then coming from the status log.
"""

from __future__ import annotations

import datetime
from typing import Any, Optional

import sqlalchemy as sa

from parsl_monitoring import schema as S
from parsl_monitoring.db import guarded, open_for_reading, url_for
from parsl_monitoring.errors import RunNotFound
from parsl_monitoring.liveness import run_status

FINAL_STATES = ("exec_done", "memo_done", "failed", "dep_fail")
FAILED_STATES = ("failed", "dep_fail")


class Store:
    """A monitoring database opened for reading."""

    def __init__(self, target: str):
        self.url = url_for(target)
        self.engine, self.tables = open_for_reading(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _all(self, stmt: Any) -> list[dict[str, Any]]:
        def run() -> list[dict[str, Any]]:
            with self.engine.connect() as conn:
                return [dict(r._mapping) for r in conn.execute(stmt)]

        return guarded(self.url, run)

    # -- workflows ------------------------------------------------------------------------------

    def workflows(self) -> list[dict[str, Any]]:
        """Every workflow, newest first, with its task count."""
        w = S.workflow
        counts = sa.select(S.task.c.run_id, sa.func.count().label("tasks_total")).group_by(S.task.c.run_id).subquery()
        stmt = (self._workflow_select().add_columns(sa.func.coalesce(counts.c.tasks_total, 0).label("tasks_total"))
                .outerjoin(counts, counts.c.run_id == w.c.run_id).order_by(w.c.time_began.desc()))
        return [_with_status(r) for r in self._all(stmt)]

    def _workflow_select(self) -> Any:
        """Workflow rows, with their process (pid, start time) where this database records it."""
        w = S.workflow
        if S.workflow_process.name not in self.tables:
            return sa.select(w)
        p = S.workflow_process
        return sa.select(w, p.c.pid, p.c.pid_started).outerjoin(p, p.c.run_id == w.c.run_id)

    def latest_run_id(self) -> str:
        rows = self._all(sa.select(S.workflow.c.run_id).order_by(S.workflow.c.time_began.desc()).limit(1))
        if not rows:
            raise RunNotFound(f"{self.url} holds no workflow yet")
        return str(rows[0]["run_id"])

    def pick_run(self, run_id: Optional[str] = None, rundir: Optional[str] = None) -> str:
        """The run asked for: by id, by its run directory, or else the latest."""
        if run_id is not None:
            return str(self.workflow(run_id)["run_id"])
        if rundir is not None:
            rows = self._all(sa.select(S.workflow.c.run_id).where(S.workflow.c.rundir == rundir))
            if not rows:
                raise RunNotFound(f"no workflow ran in {rundir} according to {self.url}")
            return str(rows[0]["run_id"])
        return self.latest_run_id()

    def workflow(self, run_id: str) -> dict[str, Any]:
        """One workflow; ``RunNotFound`` if there is none with this run id."""
        rows = self._all(self._workflow_select().where(S.workflow.c.run_id == run_id))
        if not rows:
            known = [r["run_id"] for r in self._all(sa.select(S.workflow.c.run_id).limit(5))]
            raise RunNotFound(f"no workflow with run id {run_id!r} in {self.url}"
                              + (f" (some that exist: {', '.join(known)})" if known else " (it holds no workflow)"))
        info = _with_status(rows[0])
        info["tasks_total"] = self._all(sa.select(sa.func.count().label("n")).select_from(S.task)
                                        .where(S.task.c.run_id == run_id))[0]["n"]
        return info

    # -- task states ----------------------------------------------------------------------------

    def _states(self, run_id: str) -> Any:
        """A subquery of (task_id, task_status_name, timestamp): each task's latest state."""
        if S.task_state.name in self.tables:
            t = S.task_state
            return (sa.select(t.c.task_id, t.c.task_status_name, t.c.timestamp)
                    .where(t.c.run_id == run_id).subquery("states"))
        s = S.status
        last = (sa.select(s.c.task_id, sa.func.max(s.c.timestamp).label("m")).where(s.c.run_id == run_id)
                .group_by(s.c.task_id).subquery("last"))
        return (sa.select(s.c.task_id, s.c.task_status_name, s.c.timestamp)
                .join(last, sa.and_(last.c.task_id == s.c.task_id, last.c.m == s.c.timestamp))
                .where(s.c.run_id == run_id).subquery("states"))

    def state_counts(self, run_id: str) -> dict[str, int]:
        states = self._states(run_id)
        stmt = sa.select(states.c.task_status_name, sa.func.count().label("n")).group_by(states.c.task_status_name)
        return {r["task_status_name"]: r["n"] for r in self._all(stmt)}

    def app_counts(self, run_id: str) -> list[dict[str, Any]]:
        """Per app: tasks, and how many are done and failed."""
        if S.task_state.name in self.tables:  # one covering index answers this
            t = S.task_state
            app, name = t.c.task_func_name, t.c.task_status_name
            source = sa.select(app.label("app"), name.label("state")).where(t.c.run_id == run_id).subquery()
        else:
            t, states = S.task, self._states(run_id)
            source = (sa.select(t.c.task_func_name.label("app"), states.c.task_status_name.label("state"))
                      .outerjoin(states, states.c.task_id == t.c.task_id).where(t.c.run_id == run_id).subquery())
        done = sa.func.sum(sa.case((source.c.state.in_(("exec_done", "memo_done")), 1), else_=0))
        failed = sa.func.sum(sa.case((source.c.state.in_(FAILED_STATES), 1), else_=0))
        stmt = (sa.select(source.c.app, sa.func.count().label("tasks"), done.label("done"), failed.label("failed"))
                .group_by(source.c.app).order_by(source.c.app))
        return self._all(stmt)

    def tasks(self, run_id: str, limit: int = 2000) -> list[dict[str, Any]]:
        """The first ``limit`` tasks by id, with their state, times and dependencies.

        The tasks are read first and their states and tries by id range afterwards: joining the
        whole run's states to the task table would cost time in proportion to the run, not the page.
        """
        t, y = S.task, S.try_
        stmt = (sa.select(t.c.task_id, t.c.task_func_name, t.c.task_depends, t.c.task_time_invoked,
                          t.c.task_time_returned, t.c.task_fail_count, t.c.task_inputs, t.c.task_outputs)
                .where(t.c.run_id == run_id).order_by(t.c.task_id).limit(limit))
        rows = self._all(stmt)
        if not rows:
            return rows
        first, last = rows[0]["task_id"], rows[-1]["task_id"]
        states = self._states(run_id)
        names = {r["task_id"]: r["task_status_name"] for r in self._all(
            sa.select(states.c.task_id, states.c.task_status_name).where(states.c.task_id.between(first, last)))}
        tries = (sa.select(y.c.task_id, sa.func.min(y.c.task_try_time_launched).label("launched"),
                           sa.func.max(y.c.task_try_time_running).label("running"))
                 .where(y.c.run_id == run_id, y.c.task_id.between(first, last)).group_by(y.c.task_id))
        times = {r["task_id"]: r for r in self._all(tries)}
        for r in rows:
            tr = times.get(r["task_id"], {})
            r["task_status_name"] = names.get(r["task_id"])
            r["launched"], r["running"] = tr.get("launched"), tr.get("running")
        return rows

    def completions(self, run_id: str, bins: int = 60) -> dict[str, Any]:
        """Tasks returned per app in each of ``bins`` equal time bins (tasks per app over time)."""
        t = S.task
        bounds = self._all(sa.select(sa.func.min(t.c.task_time_invoked).label("lo"),
                                     sa.func.max(t.c.task_time_returned).label("hi")).where(t.c.run_id == run_id))[0]
        lo, hi = _as_datetime(bounds["lo"]), _as_datetime(bounds["hi"])
        if lo is None or hi is None or hi <= lo:
            return {"start": _iso(lo), "width_s": 0, "apps": {}}
        width = (hi - lo).total_seconds() / bins
        returned = t.c.task_time_returned
        apps: dict[str, list[int]] = {}
        seconds = self._seconds_since(returned, lo)
        if seconds is not None:  # bin in the database: the page costs the same for any run size
            index = sa.cast(seconds / width, sa.Integer).label("bin")
            stmt = (sa.select(t.c.task_func_name, index, sa.func.count().label("n"))
                    .where(t.c.run_id == run_id, returned.is_not(None)).group_by(t.c.task_func_name, index))
            for r in self._all(stmt):
                apps.setdefault(r["task_func_name"], [0] * bins)[min(max(int(r["bin"]), 0), bins - 1)] += r["n"]
        else:
            stmt = sa.select(t.c.task_func_name, returned).where(t.c.run_id == run_id, returned.is_not(None))
            for r in self._all(stmt):
                i = min(int((r["task_time_returned"] - lo).total_seconds() / width), bins - 1)
                apps.setdefault(r["task_func_name"], [0] * bins)[i] += 1
        return {"start": _iso(lo), "width_s": width, "apps": apps}

    def _seconds_since(self, column: Any, start: datetime.datetime) -> Any:
        """An SQL expression for the seconds from ``start`` to ``column``, where the dialect has one."""
        name = self.engine.dialect.name
        if name == "sqlite":
            origin = sa.bindparam("origin", start, type_=sa.DateTime)
            return (sa.func.julianday(column) - sa.func.julianday(origin)) * 86400.0
        if name == "postgresql":
            return sa.extract("epoch", column - sa.bindparam("origin", start, type_=sa.DateTime))
        return None

    def blocks(self, run_id: str, limit: int = 5000) -> list[dict[str, Any]]:
        """Each block's latest status, with when it was first and last reported."""
        b = S.block
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for r in self._all(sa.select(b).where(b.c.run_id == run_id).order_by(b.c.timestamp).limit(limit)):
            key = (r["executor_label"], r["block_id"])
            first = latest.get(key, {}).get("first_seen", r["timestamp"])
            latest[key] = {**r, "first_seen": first}
        return list(latest.values())

    # -- one task -----------------------------------------------------------------------------------

    def task(self, run_id: str, task_id: int) -> dict[str, Any]:
        self.workflow(run_id)
        t = S.task
        rows = self._all(sa.select(t).where(t.c.run_id == run_id, t.c.task_id == task_id))
        if not rows:
            raise RunNotFound(f"workflow {run_id!r} has no task {task_id}")
        info = rows[0]
        s, y, r = S.status, S.try_, S.resource
        info["statuses"] = self._all(sa.select(s.c.task_status_name, s.c.timestamp, s.c.try_id)
                                     .where(s.c.run_id == run_id, s.c.task_id == task_id).order_by(s.c.timestamp))
        info["tries"] = self._all(sa.select(y).where(y.c.run_id == run_id, y.c.task_id == task_id).order_by(y.c.try_id))
        info["resources"] = self._all(sa.select(r).where(r.c.run_id == run_id, r.c.task_id == task_id)
                                      .order_by(r.c.timestamp)) if "resource" in self.tables else []
        info["failures"] = self.failures(run_id, task_id=task_id)
        return info

    def failures(self, run_id: str, task_id: Optional[int] = None, limit: int = 200) -> list[dict[str, Any]]:
        """Failed tries with their exception and traceback (Parsl databases: the fail history)."""
        if S.failure.name in self.tables:
            f = S.failure
            same_task = sa.and_(S.task.c.run_id == f.c.run_id, S.task.c.task_id == f.c.task_id)
            stmt = sa.select(f, S.task.c.task_func_name).join(S.task, same_task).where(f.c.run_id == run_id)
            if task_id is not None:
                stmt = stmt.where(f.c.task_id == task_id)
            return self._all(stmt.order_by(f.c.task_id, f.c.try_id).limit(limit))
        y = S.try_
        stmt = (sa.select(y.c.task_id, y.c.try_id, y.c.task_fail_history.label("message"))
                .where(y.c.run_id == run_id, y.c.task_fail_history.is_not(None), y.c.task_fail_history != ""))
        if task_id is not None:
            stmt = stmt.where(y.c.task_id == task_id)
        return [{**r, "exception_type": "", "traceback": None} for r in self._all(stmt.limit(limit))]


def _with_status(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["status"] = run_status(row)
    return row


def _as_datetime(value: Any) -> Optional[datetime.datetime]:
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))


def _iso(value: Optional[datetime.datetime]) -> Optional[str]:
    return None if value is None else value.isoformat()
