"""The dashboard's HTML pages, built from query results.

Pages are plain HTML; each chart is an empty ``<svg>`` plus its data as embedded JSON, drawn by
the bundled ``dashboard.js``. Nothing is loaded from another site, so the dashboard works offline.
"""

from __future__ import annotations

import datetime
import html
import json
from typing import Any, Iterable, Optional
from urllib.parse import quote

from parsl_monitoring.queries import Store

#: Tasks drawn individually (timeline, graph) on a workflow page; the rest are summarized.
TASK_LIMIT = 2000
#: Seconds between reloads of the page of a workflow that is still running.
REFRESH = 10


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _ms(value: Optional[datetime.datetime]) -> Optional[float]:
    return None if value is None else value.timestamp() * 1000.0


def _when(value: Optional[datetime.datetime]) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _data(element_id: str, value: Any) -> str:
    text = json.dumps(value, default=str).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def page(title: str, body: str, refresh: Optional[int] = None) -> str:
    """A whole page; ``refresh`` reloads it every so many seconds (for a workflow still running)."""
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">{meta}'
            f'<title>{esc(title)} — Parsl monitoring</title>'
            f'<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/dashboard.css">'
            f'<script src="/static/dashboard.js" defer></script></head><body>'
            f'<header><a href="/">Parsl monitoring</a></header><main><h1>{esc(title)}</h1>{body}</main></body></html>')


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def run_link(run_id: str, text: Optional[str] = None) -> str:
    return f'<a href="/workflow/{quote(run_id, safe="")}/">{esc(text or run_id)}</a>'


def task_link(run_id: str, task_id: int) -> str:
    return f'<a href="/workflow/{quote(run_id, safe="")}/task/{task_id}">{task_id}</a>'


def workflows_page(store: Store) -> str:
    rows = [(run_link(w["run_id"], w["workflow_name"] or w["run_id"]), esc(w["workflow_version"]),
             run_link(w["run_id"]), esc(_when(w["time_began"])), esc(_when(w["time_completed"])),
             esc(w["tasks_total"]), esc(w["tasks_completed_count"]), esc(w["tasks_failed_count"]),
             f'<span class="status {esc(w["status"])}">{esc(w["status"])}</span>')
            for w in store.workflows()]
    body = table(("Workflow", "Version", "Run id", "Began", "Completed", "Tasks", "Done", "Failed", "Status"),
                 rows, "workflows") if rows else '<p class="empty">No workflows recorded yet.</p>'
    return page("Workflows", body)


def workflow_page(store: Store, run_id: str) -> str:
    wf = store.workflow(run_id)
    counts = store.state_counts(run_id)
    tasks = store.tasks(run_id, limit=TASK_LIMIT)
    summary = table(("", ""), [
        ("Run id", esc(wf["run_id"])), ("Version", esc(wf["workflow_version"])), ("Status", esc(wf["status"])),
        ("Began", esc(_when(wf["time_began"]))), ("Completed", esc(_when(wf["time_completed"]))),
        ("Host", esc(wf["host"])), ("User", esc(wf["user"])), ("Run directory", esc(wf["rundir"])),
        ("Tasks", esc(wf["tasks_total"])),
        ("By state", ", ".join(f'<span class="state s-{esc(k)}">{esc(k)}</span> {v}'
                               for k, v in sorted(counts.items()))),
    ], "summary")
    apps = table(("App", "Tasks", "Done", "Failed"), [
        (esc(a["app"]), esc(a["tasks"]), esc(a["done"] or 0), esc(a["failed"] or 0)) for a in store.app_counts(run_id)
    ], "apps")
    shown = len(tasks)
    note = (f'<p class="note">Timeline and graph show the first {shown} of {wf["tasks_total"]} tasks.</p>'
            if wf["tasks_total"] > shown else "")
    task_data = [{"id": t["task_id"], "app": t["task_func_name"], "state": t["task_status_name"] or "unknown",
                  "deps": [int(d) for d in (t["task_depends"] or "").split(",") if d.strip().isdigit()],
                  "invoked": _ms(t["task_time_invoked"]), "launched": _ms(t["launched"]),
                  "running": _ms(t["running"]), "returned": _ms(t["task_time_returned"])} for t in tasks]
    failures = store.failures(run_id)
    failure_html = "".join(
        f'<details class="failure"><summary>task {task_link(run_id, f["task_id"])} try {f["try_id"]} '
        f'({esc(f.get("task_func_name", ""))}): <b>{esc(f["exception_type"])}</b> {esc(f["message"])}</summary>'
        f'<pre>{esc(f["traceback"] or "no traceback recorded")}</pre></details>' for f in failures
    ) or '<p class="empty">No failures.</p>'
    blocks = table(("Executor", "Block", "Job id", "Status", "First seen", "Last change"), [
        (esc(b["executor_label"]), esc(b["block_id"]), esc(b["job_id"]), esc(b["status"]),
         esc(_when(b["first_seen"])), esc(_when(b["timestamp"]))) for b in store.blocks(run_id)
    ], "blocks")
    body = (f'<section><h2>Summary</h2>{summary}</section><section><h2>Apps</h2>{apps}</section>{note}'
            f'<section><h2>Blocks</h2>{blocks}</section>'
            f'<section><h2>Task timeline</h2><svg id="gantt" class="chart" data-run="{esc(run_id)}"></svg></section>'
            f'<section><h2>Tasks per app over time</h2><svg id="apps-over-time" class="chart"></svg></section>'
            f'<section><h2>Dependency graph</h2><div id="dag-legend" class="legend"></div>'
            f'<svg id="dag" class="chart" data-run="{esc(run_id)}"></svg></section>'
            f'<section><h2>Failures</h2>{failure_html}</section>'
            + _data("tasks-data", task_data) + _data("completions-data", store.completions(run_id)))
    refresh = REFRESH if wf["status"] == "running" else None
    return page(f"Workflow {wf['workflow_name'] or run_id}", body, refresh=refresh)


def task_page(store: Store, run_id: str, task_id: int) -> str:
    t = store.task(run_id, task_id)
    info = table(("", ""), [
        ("Workflow", run_link(run_id)), ("App", esc(t["task_func_name"])), ("Depends on", esc(t["task_depends"])),
        ("Invoked", esc(_when(t["task_time_invoked"]))), ("Returned", esc(_when(t["task_time_returned"]))),
        ("Failures", esc(t["task_fail_count"])), ("Inputs", esc(t["task_inputs"])), ("Outputs", esc(t["task_outputs"])),
        ("stdout", esc(t["task_stdout"])), ("stderr", esc(t["task_stderr"])),
    ], "summary")
    statuses = table(("State", "Time", "Try"), [
        (f'<span class="state s-{esc(s["task_status_name"])}">{esc(s["task_status_name"])}</span>',
         esc(s["timestamp"]), esc(s["try_id"])) for s in t["statuses"]])
    tries = table(("Try", "Executor", "Host", "Block", "Launched", "Running", "Returned"), [
        (esc(y["try_id"]), esc(y["task_executor"]), esc(y["hostname"]), esc(y["block_id"]),
         esc(_when(y["task_try_time_launched"])), esc(_when(y["task_try_time_running"])),
         esc(_when(y["task_try_time_returned"]))) for y in t["tries"]])
    resources = [{"t": _ms(r["timestamp"]),
                  "cpu": (r["psutil_process_time_user"] or 0) + (r["psutil_process_time_system"] or 0),
                  "rss": r["psutil_process_memory_resident"], "read": r["psutil_process_disk_read"],
                  "write": r["psutil_process_disk_write"]} for r in t["resources"]]
    failures = "".join(f'<details class="failure" open><summary>try {f["try_id"]}: <b>{esc(f["exception_type"])}</b> '
                       f'{esc(f["message"])}</summary>'
                       f'<pre>{esc(f["traceback"] or "no traceback recorded")}</pre></details>'
                       for f in t["failures"])
    plots = ('<div class="plots"><figure><figcaption>CPU time (s)</figcaption>'
             '<svg id="res-cpu" class="chart small"></svg></figure>'
             '<figure><figcaption>Resident memory (MiB)</figcaption>'
             '<svg id="res-rss" class="chart small"></svg></figure></div>'
             if resources else '<p class="empty">No resource samples (resource monitoring off, or the executor '
                               'does not report them).</p>')
    body = (f"<section><h2>Details</h2>{info}</section><section><h2>States</h2>{statuses}</section>"
            f"<section><h2>Tries</h2>{tries}</section><section><h2>Resources</h2>{plots}</section>"
            + (f"<section><h2>Failures</h2>{failures}</section>" if failures else "")
            + _data("resources-data", resources))
    return page(f"Task {task_id}", body)


def error_page(title: str, message: str) -> str:
    return page(title, f'<p class="error">{esc(message)}</p><p><a href="/">All workflows</a></p>')
