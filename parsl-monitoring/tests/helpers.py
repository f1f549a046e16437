"""A stand-in DataFlowKernel and Parsl-shaped task records, to drive the hub's hooks directly."""

from __future__ import annotations

import concurrent.futures
import datetime
import time
import types
from typing import Any, Optional

from parsl.dataflow.states import States


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


def queue_htex_task(queue: list[Any], rec: Any, final: States = States.exec_done) -> None:
    """Append what the hub queues for TaskRecord ``rec`` on HTEX: pending, launched, the worker's
    report, then ``final`` (the report's running_ended comes before it in time)."""
    queue += [rec, rec.id, 0, "pending", time.time()]
    rec.try_time_launched = datetime.datetime.now()
    queue += [rec, rec.id, 0, "launched", time.time()]
    started = time.time()
    queue += ["worker", (rec.id, 0, 0, ("h", "0", started, time.time(), [], None)), None, None, None]
    rec.try_time_returned = rec.time_returned = datetime.datetime.now()
    rec.status = final
    queue += [rec, rec.id, 0, final.name, time.time()]


def long_enough_sum(values: list[int]) -> int:
    """``sum``, run long enough that its worker report always carries a resource sample."""
    from parsl_monitoring.worker import FINAL_SAMPLE_AFTER

    time.sleep(FINAL_SAMPLE_AFTER)
    return sum(values)


def build_known_workflow(run_dir: Any) -> dict[str, Any]:
    """Record a diamond 0 -> (1, 2) -> 3, where 3 fails and 4 (needing 3) is a dependency failure.

    Task 0's try also carries a worker report with resource samples, as a wrapped task's result does.
    Returns the config run dir, the database URL, the run id and the hub.
    """
    from parsl_monitoring.hub import MonitoringHub
    from parsl_monitoring.worker import MonitoredFunction

    dfk = fake_dfk(str(run_dir), run_id="known-run")
    hub = MonitoringHub(workflow_name="diamond", workflow_version="1.0")
    hub.start(dfk)
    hub.parsl_workflow_start(dfk=dfk)
    recs = [record(0, "make"), record(1, "left", [0]), record(2, "right", [0]), record(3, "join", [1, 2]),
            record(4, "report", [3])]
    recs[0]["kwargs"] = {"outputs": ["/data/out0.txt"], "inputs": []}
    for r in recs:
        hub.parsl_task_state(dfk=dfk, task_record=r, state=States.pending)
    wrapped = hub.wrap_task(recs[0], long_enough_sum)
    recs[0]["try_time_launched"] = datetime.datetime.now()
    hub.parsl_task_state(dfk=dfk, task_record=recs[0], state=States.launched)
    assert isinstance(wrapped, MonitoredFunction)
    assert hub.unwrap_result(recs[0], wrapped([1, 2])) == 3
    recs[0]["try_time_returned"] = recs[0]["time_returned"] = datetime.datetime.now()
    hub.parsl_task_state(dfk=dfk, task_record=recs[0], state=States.exec_done)
    for r in recs[1:3]:
        r["try_time_launched"] = datetime.datetime.now()
        hub.parsl_task_state(dfk=dfk, task_record=r, state=States.launched)
        r["try_time_returned"] = r["time_returned"] = datetime.datetime.now()
        hub.parsl_task_state(dfk=dfk, task_record=r, state=States.exec_done)
    run_task_from_launch(hub, dfk, recs[3], ZeroDivisionError("division by zero in join"))
    hub.parsl_task_state(dfk=dfk, task_record=recs[4], state=States.dep_fail)
    for status in ("PENDING", "RUNNING", "SCALED_IN"):
        hub.parsl_block_state(dfk=dfk, executor_label="htex", block_id="0", job_id="4242", status=status)
    hub.parsl_workflow_end(dfk=dfk)
    hub.close()
    return {"run_dir": str(run_dir), "url": f"sqlite:///{run_dir}/monitoring.db", "run_id": "known-run", "hub": hub}


def run_task_from_launch(hub: Any, dfk: Any, rec: dict[str, Any], error: BaseException) -> None:
    rec["try_time_launched"] = datetime.datetime.now()
    hub.parsl_task_state(dfk=dfk, task_record=rec, state=States.launched)
    fu: concurrent.futures.Future = concurrent.futures.Future()
    try:
        raise error
    except BaseException as e:
        fu.set_exception(e)
    rec["exec_fu"] = fu
    rec["fail_count"] += 1
    rec["fail_history"].append(repr(error))
    rec["try_time_returned"] = rec["time_returned"] = datetime.datetime.now()
    hub.parsl_task_state(dfk=dfk, task_record=rec, state=States.failed)


#: A monitored workflow whose one task waits (at most 300 s) for a release file: the test kills it.
KILLED_WORKFLOW = """
import sys
from pathlib import Path
import parsl
from parsl.config import Config
from parsl.executors.threads import ThreadPoolExecutor
from parsl.testing.executors import wait_for_file
from parsl_monitoring import MonitoringHub

work = Path(sys.argv[1])
dfk = parsl.load(Config(executors=[ThreadPoolExecutor()], monitoring=MonitoringHub(), run_dir=str(work / "runinfo")))
(work / "writer.pid").write_text(str(dfk.monitoring._writer._proc.pid))

@parsl.python_app
def wait():
    return wait_for_file(str(work / "started"), str(work / "release"), 300)

wait().result()
"""


def parsl_status(target: Any) -> dict[str, Any]:
    """``parsl status --json`` of ``target``, run as a user runs it."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "parsl", "status", str(target), "--json"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    return dict(json.loads(out))


def kill_a_monitored_workflow(work: Any) -> dict[str, Any]:
    """Run ``KILLED_WORKFLOW`` in ``work``, SIGKILL it while its task runs, wait for its
    monitoring writer to finish; return the run's status as seen while it ran, and its paths."""
    import signal
    import subprocess
    import sys

    from parsl.testing.processes import wait_for, wait_for_path, wait_until_gone
    from parsl_monitoring.errors import MonitoringDatabaseError
    from parsl_monitoring.queries import Store

    script = work / "killed_workflow.py"
    script.write_text(KILLED_WORKFLOW)
    proc = subprocess.Popen([sys.executable, str(script), str(work)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    runinfo = work / "runinfo"
    try:
        wait_for_path(str(work / "started"), 300, proc)

        def recorded() -> bool:  # the writer process stores the workflow's row in its own time
            try:
                with Store(str(runinfo)) as store:
                    return bool(store.workflows())
            except MonitoringDatabaseError:
                return False

        wait_for(recorded, 300, "the workflow row in the monitoring database")
        while_running = parsl_status(runinfo)
    finally:
        proc.kill()
        proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    assert wait_until_gone([int((work / "writer.pid").read_text())], 300) == []
    return {"runinfo": runinfo, "url": f"sqlite:///{runinfo / 'monitoring.db'}", "pid": proc.pid,
            "while_running": while_running}

