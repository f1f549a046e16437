"""``ParslJobExecutor``: cwltool's executor extension point, with every command a Parsl task.

cwltool walks the CWL graph (scatter, ``when``, subworkflows, ExpressionTools, valueFrom) and
yields each job as soon as its inputs are ready. This executor runs each ready job on a thread of
its own: ExpressionTool and workflow-step jobs finish there (expressions are evaluated on the
submit side, with node.js), and a CommandLineTool job's process is submitted as one Parsl task
(see :mod:`parsl_cwl.dispatch`) whose thread waits for it. Independent branches therefore run as
concurrent Parsl tasks, and a failing branch does not stop the others that are already running.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from cwltool.errors import WorkflowException
from cwltool.executors import JobExecutor
from cwltool.job import JobBase

from parsl_cwl import dispatch
from parsl_cwl.command import CommandResult, CommandSpec

#: Runs one command for one job (usually as a Parsl task) and returns how it ended.
CommandRunner = Callable[[CommandSpec, Any], CommandResult]

#: Jobs of one run waiting at once: each holds a submit-side thread while its task runs.
DEFAULT_MAX_JOBS = 256

_TMPDIR_LOCK = threading.Lock()


class ParslJobExecutor(JobExecutor):
    """Run a CWL process with each CommandLineTool job's command as a Parsl task."""

    def __init__(self, run_command: CommandRunner, max_jobs: int = DEFAULT_MAX_JOBS) -> None:
        super().__init__()
        if max_jobs < 1:
            raise ValueError(f"max_jobs must be at least 1, got {max_jobs}")
        self.run_command = run_command
        self.max_jobs = max_jobs
        dispatch.install()

    def run_jobs(self, process: Any, job_order_object: Any, logger: logging.Logger, runtime_context: Any) -> None:
        lock = runtime_context.workflow_eval_lock
        if lock is None:
            raise WorkflowException("runtime_context.workflow_eval_lock must be set")
        token = dispatch.active.set(self)
        try:
            run = self._run(process, job_order_object, logger, runtime_context, lock)
        finally:
            dispatch.active.reset(token)
        if run.errors:
            raise run.errors[0]

    def _run(self, process: Any, job_order_object: Any, logger: logging.Logger, runtime_context: Any,
             lock: threading.Condition) -> _Run:
        run = _Run(self, runtime_context, lock)
        with lock:
            for job in process.job(job_order_object, self.output_callback, runtime_context):
                if job is None:
                    if not run.running:
                        logger.error("Workflow cannot make any more progress.")
                        break
                    lock.wait()
                    continue
                if isinstance(job, JobBase):
                    job.builder = runtime_context.builder or job.builder
                    if job.outdir is not None:
                        self.output_dirs.add(job.outdir)
                while run.running >= self.max_jobs:
                    lock.wait()
                run.start(job)
            while run.running:
                lock.wait()
        return run


class _Run:
    """The job threads of one ``run_jobs`` call; counted under the workflow lock."""

    def __init__(self, executor: ParslJobExecutor, runtime_context: Any, lock: threading.Condition) -> None:
        self.executor = executor
        self.runtime_context = runtime_context
        self.lock = lock
        self.running = 0
        self.errors: list[WorkflowException] = []

    def start(self, job: Any) -> None:
        self.running += 1
        threading.Thread(target=self._job_thread, args=(job,), name=f"parsl-cwl {getattr(job, 'name', job)}",
                         daemon=True).start()

    def _job_thread(self, job: Any) -> None:
        dispatch.active.set(self.executor)
        dispatch.current.set(dispatch.Dispatch(job, self.executor.run_command))
        try:
            job.run(self.runtime_context, _TMPDIR_LOCK)
        except WorkflowException as err:
            self.errors.append(err)
        except Exception as err:
            wrapped = WorkflowException(f"{getattr(job, 'name', job)}: {err}")
            wrapped.__cause__ = err
            self.errors.append(wrapped)
        finally:
            with self.lock:
                self.running -= 1
                self.lock.notify_all()
