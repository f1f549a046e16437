"""``parsl status``: a terminal summary of one monitored workflow, running or finished."""

from __future__ import annotations

import datetime
from typing import Any

from parsl_monitoring.queries import Store

#: Display groups of task states, in the order shown.
GROUPS = {
    "done": ("exec_done", "memo_done"),
    "failed": ("failed", "dep_fail"),
    "running": ("running", "running_ended", "joining"),
    "launched": ("launched",),
    "retrying": ("fail_retryable",),
    "pending": ("pending",),
}


def status_summary(store: Store, run_id: str, failures: int = 5) -> dict[str, Any]:
    """Everything ``parsl status`` shows, as data."""
    wf = store.workflow(run_id)
    counts = store.state_counts(run_id)
    grouped = {g: sum(counts.get(s, 0) for s in states) for g, states in GROUPS.items()}
    end = wf["time_completed"] or datetime.datetime.now()
    measurable = wf["time_began"] and wf["status"] != "crashed"  # a crashed run's end is unknown
    return {
        "run_id": wf["run_id"], "workflow_name": wf["workflow_name"], "workflow_version": wf["workflow_version"],
        "status": wf["status"], "rundir": wf["rundir"], "time_began": wf["time_began"],
        "time_completed": wf["time_completed"], "host": wf["host"], "pid": wf.get("pid"),
        "duration_s": round((end - wf["time_began"]).total_seconds(), 3) if measurable else None,
        "tasks_total": wf["tasks_total"], "states": counts, "groups": grouped,
        "apps": store.app_counts(run_id), "failures": store.failures(run_id, limit=failures), "failure_limit": failures,
    }


def render_status(s: dict[str, Any]) -> str:
    """The summary as lines of text for a terminal."""
    lines = [f"Workflow {s['workflow_name']} {s['workflow_version'] or ''}".rstrip()
             + f" — {s['status']}", f"  run id   {s['run_id']}", f"  run dir  {s['rundir']}",
             f"  started  {s['time_began']:%Y-%m-%d %H:%M:%S}"
             + (f", finished {s['time_completed']:%Y-%m-%d %H:%M:%S}" if s["time_completed"] else "")
             + (f" ({s['duration_s']:.1f} s)" if s["duration_s"] is not None else "")]
    if s["status"] == "crashed":
        lines.append(f"  process  {s['pid']} on {s['host']} is gone and never recorded the end of the run "
                     f"(killed or crashed)")
    parts = [f"{n} {g}" for g, n in s["groups"].items() if n]
    lines.append(f"  tasks    {s['tasks_total']} total" + (": " + ", ".join(parts) if parts else ""))
    if s["apps"]:
        width = max(len(a["app"]) for a in s["apps"])
        lines.append("  by app")
        for a in s["apps"]:
            lines.append(f"    {a['app']:<{width}}  {a['tasks']:>7} tasks  {a['done'] or 0:>7} done  "
                         f"{a['failed'] or 0:>5} failed")
    if s["failures"]:
        more = len(s["failures"]) >= s["failure_limit"]
        lines.append("  failures" + (f" (first {len(s['failures'])})" if more else ""))
        for f in s["failures"]:
            what = f"{f['exception_type']}: {f['message']}" if f["exception_type"] else f["message"]
            lines.append(f"    task {f['task_id']} try {f['try_id']}: {what}")
    return "\n".join(lines)
