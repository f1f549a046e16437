"""Provenance export: one run as a Workflow Run RO-Crate (RO-Crate 1.1 JSON-LD).

The crate's root dataset conforms to the Workflow Run Crate and Process Run Crate profiles. The
workflow is a ``ComputationalWorkflow`` made of the run's apps (``SoftwareApplication``); the run
is a ``CreateAction`` of the workflow, and each task is a ``CreateAction`` of its app with its
times, state, failure and the files it read (``object``) and wrote (``result``).
"""

from __future__ import annotations

import ast
import json
import os
import pathlib
import re
from typing import Any, Iterable, Optional

from parsl_monitoring.queries import Store

CONTEXT = "https://w3id.org/ro/crate/1.1/context"
PROFILES = ("https://w3id.org/ro/wfrun/process/0.5", "https://w3id.org/ro/wfrun/workflow/0.5")
METADATA_FILE = "ro-crate-metadata.json"
_FILE_URL = re.compile(r"url=([^ ,>\]]+)")

_STATUS = {"exec_done": "CompletedActionStatus", "memo_done": "CompletedActionStatus",
           "failed": "FailedActionStatus", "dep_fail": "FailedActionStatus"}


def file_names(column: Optional[str]) -> list[str]:
    """The files in a task_inputs/task_outputs column (``str`` of a list of Files), as absolute URIs."""
    if not column or column == "None":
        return []
    names = _FILE_URL.findall(column)
    if not names:
        try:
            value = ast.literal_eval(column)
        except (ValueError, SyntaxError):
            return []
        names = [str(v) for v in value] if isinstance(value, (list, tuple)) else []
    return [n if "://" in n else pathlib.Path(os.path.abspath(n)).as_uri() for n in names]


def _ref(entity_id: str) -> dict[str, str]:
    return {"@id": entity_id}


def _time(value: Any) -> Optional[str]:
    return None if value is None else value.isoformat()


def _drop_none(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if v is not None and v != []}


def build_crate(store: Store, run_id: str, task_limit: int = 1_000_000) -> dict[str, Any]:
    """The crate's JSON-LD document for run ``run_id``."""
    wf = store.workflow(run_id)
    tasks = store.tasks(run_id, limit=task_limit)
    failures = {(f["task_id"]): f for f in store.failures(run_id, limit=task_limit)}
    apps = sorted({t["task_func_name"] for t in tasks})
    files: dict[str, dict[str, Any]] = {}
    actions = [_task_action(t, failures.get(t["task_id"]), files) for t in tasks]
    workflow_id = "#workflow"
    run_action_id = f"#run-{run_id}"
    run_status = "FailedActionStatus" if wf["tasks_failed_count"] else "CompletedActionStatus"
    if not wf["time_completed"]:
        run_status = "ActiveActionStatus"
    graph: list[dict[str, Any]] = [
        {"@id": METADATA_FILE, "@type": "CreativeWork", "conformsTo": _ref("https://w3id.org/ro/crate/1.1"),
         "about": _ref("./")},
        _drop_none({
            "@id": "./", "@type": "Dataset", "name": f"Parsl run {wf['workflow_name']} ({run_id})",
            "description": f"Provenance of Parsl workflow {wf['workflow_name']} run {run_id}, "
                           f"recorded by parsl-monitoring",
            "datePublished": _time(wf["time_completed"] or wf["time_began"]),
            "conformsTo": [_ref(p) for p in PROFILES], "mainEntity": _ref(workflow_id),
            "hasPart": [_ref(workflow_id), *(_ref(f) for f in files)],
            "mentions": [_ref(run_action_id), *(_ref(a["@id"]) for a in actions)],
        }),
        _drop_none({"@id": workflow_id, "@type": ["SoftwareSourceCode", "ComputationalWorkflow"],
                    "name": wf["workflow_name"], "version": wf["workflow_version"],
                    "programmingLanguage": _ref("#parsl"), "hasPart": [_ref(_app_id(a)) for a in apps]}),
        {"@id": "#parsl", "@type": "ComputerLanguage", "name": "Parsl", "url": _ref("https://parsl-project.org/")},
        *({"@id": _app_id(a), "@type": "SoftwareApplication", "name": a} for a in apps),
        _drop_none({"@id": run_action_id, "@type": "CreateAction", "name": f"Run of {wf['workflow_name']}",
                    "instrument": _ref(workflow_id), "startTime": _time(wf["time_began"]),
                    "endTime": _time(wf["time_completed"]), "actionStatus": run_status,
                    "agent": _ref(f"#user-{wf['user']}"), "location": wf["host"]}),
        {"@id": f"#user-{wf['user']}", "@type": "Person", "name": wf["user"]},
        *actions,
        *files.values(),
    ]
    return {"@context": CONTEXT, "@graph": graph}


def _app_id(app: str) -> str:
    return f"#app-{app}"


def _task_action(t: dict[str, Any], failure: Optional[dict[str, Any]],
                 files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    def file_refs(names: Iterable[str]) -> list[dict[str, str]]:
        refs = []
        for name in names:
            short = name.rstrip("/").rsplit("/", 1)[-1]
            files.setdefault(name, _drop_none({"@id": name, "@type": "File", "name": short}))
            refs.append(_ref(name))
        return refs

    state = t["task_status_name"] or "unknown"
    return _drop_none({
        "@id": f"#task-{t['task_id']}", "@type": "CreateAction", "name": f"task {t['task_id']} ({t['task_func_name']})",
        "instrument": _ref(_app_id(t["task_func_name"])),
        "startTime": _time(t["launched"] or t["task_time_invoked"]), "endTime": _time(t["task_time_returned"]),
        "actionStatus": _STATUS.get(state, "ActiveActionStatus"),
        "object": file_refs(file_names(t["task_inputs"])), "result": file_refs(file_names(t["task_outputs"])),
        "error": None if failure is None else f"{failure['exception_type']}: {failure['message']}".lstrip(": "),
        "description": f"Parsl state {state}"
                       + (f", depends on tasks {t['task_depends']}" if t["task_depends"] else ""),
    })


def write_crate(store: Store, run_id: str, directory: str) -> str:
    """Write ``ro-crate-metadata.json`` for the run into ``directory``; return its path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, METADATA_FILE)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(build_crate(store, run_id), f, indent=1)
    return path
