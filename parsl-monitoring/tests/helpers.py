"""A stand-in DataFlowKernel and Parsl-shaped task records, to drive the hub's hooks directly."""

from __future__ import annotations

import concurrent.futures
import datetime
import enum
import types
from typing import Any, Optional


class States(enum.IntEnum):
    """Parsl's task state names and values."""

    pending = 0
    running = 2
    exec_done = 3
    failed = 4
    dep_fail = 5
    launched = 7
    fail_retryable = 8
    memo_done = 9
    joining = 10
    running_ended = 11


def fake_dfk(run_dir: str, run_id: str = "run-1") -> Any:
    return types.SimpleNamespace(run_id=run_id, run_dir=run_dir,
                                 config=types.SimpleNamespace(run_dir=run_dir))


class Fut:
    def __init__(self, tid: int):
        self.tid = tid


def record(task_id: int, func_name: str = "double", depends: Optional[list[int]] = None,
           executor: str = "threads") -> dict[str, Any]:
    return {"id": task_id, "try_id": 0, "func_name": func_name, "memoize": False, "hashsum": None,
            "fail_count": 0, "fail_cost": 0.0, "fail_history": [], "executor": executor,
            "time_invoked": datetime.datetime.now(), "time_returned": None,
            "try_time_launched": None, "try_time_returned": None,
            "depends": [Fut(d) for d in depends or []], "joins": None,
            "kwargs": {"inputs": [], "stdout": "out.txt"}, "status": States.pending}


def run_task(hub: Any, dfk: Any, rec: dict[str, Any], fail_with: Optional[BaseException] = None) -> None:
    """Drive ``rec`` through pending -> launched -> exec_done (or failed) as the DFK would."""
    hub.parsl_task_state(dfk=dfk, task_record=rec, state=States.pending)
    rec["try_time_launched"] = datetime.datetime.now()
    hub.parsl_task_state(dfk=dfk, task_record=rec, state=States.launched)
    rec["try_time_returned"] = rec["time_returned"] = datetime.datetime.now()
    if fail_with is None:
        hub.parsl_task_state(dfk=dfk, task_record=rec, state=States.exec_done)
        return
    fu: concurrent.futures.Future = concurrent.futures.Future()
    try:
        raise fail_with
    except BaseException as e:
        fu.set_exception(e)
    rec["exec_fu"] = fu
    rec["fail_count"] += 1
    rec["fail_history"].append(repr(fail_with))
    hub.parsl_task_state(dfk=dfk, task_record=rec, state=States.failed)
