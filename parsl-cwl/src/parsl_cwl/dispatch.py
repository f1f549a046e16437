"""Where a cwltool job's process start becomes a Parsl task.

cwltool's ``JobBase._execute`` does everything a CommandLineTool job needs on the submit side
(input staging, the command line, redirects, then the exit-code classification and output
collection) and starts the process through one module function, ``cwltool.job._job_popen``.
:func:`install` wraps that function once: in a thread that runs a job for
:class:`~parsl_cwl.executor.ParslJobExecutor` (marked through a context variable) the process
is described as a :class:`~parsl_cwl.command.CommandSpec` and run as a Parsl task; anywhere else
(plain cwltool in the same interpreter) the original function runs unchanged.
"""

from __future__ import annotations

import contextvars
import inspect
import io
import logging
import sys
import threading
from typing import Any, Callable, NamedTuple, Optional

from parsl.containers.errors import ContainerError, ContainerImageNotFound
from parsl_cwl.command import CommandResult, CommandSpec

logger = logging.getLogger(__name__)


class Dispatch(NamedTuple):
    """The job a thread is running and where its process goes."""

    job: Any
    run: Callable[[CommandSpec, Any], CommandResult]  #: (spec, job) -> result, usually a Parsl task


current: contextvars.ContextVar[Optional[Dispatch]] = contextvars.ContextVar("parsl_cwl_dispatch", default=None)
#: The executor the current thread works for (its run_jobs caller or one of its job threads), so
#: that log records can be told apart when several runs share cwltool's logger.
active: contextvars.ContextVar[Any] = contextvars.ContextVar("parsl_cwl_executor", default=None)
_install_lock = threading.Lock()


def install() -> None:
    """Wrap ``cwltool.job._job_popen`` (idempotent)."""
    import cwltool.job

    with _install_lock:
        original = cwltool.job._job_popen
        if getattr(original, "__parsl_cwl_original__", None) is not None:
            return
        signature = inspect.signature(original)

        def job_popen(*args: Any, **kwargs: Any) -> int:
            dispatch = current.get()
            if dispatch is None:
                return original(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return _run(dispatch, bound.arguments)

        job_popen.__parsl_cwl_original__ = original  # type: ignore[attr-defined]
        cwltool.job._job_popen = job_popen


def _run(dispatch: Dispatch, call: dict[str, Any]) -> int:
    if call["job_script_contents"] is not None:
        from cwltool.errors import UnsupportedRequirement

        raise UnsupportedRequirement("parsl-cwl runs commands directly: dependency resolvers that wrap a job in "
                                     "a script (--beta-dependency-resolvers-configuration) are not supported")
    spec = _spec(dispatch.job, call)
    try:
        result = dispatch.run(spec, dispatch.job)
    except ContainerError as e:
        raise _container_failure(e) from None
    if result.log:
        _relay(result.log, call["default_stderr"] or sys.stderr)
    if result.timed_out:
        logger.warning("[job %s] exceeded its time limit of %d seconds and was terminated",
                       call["name"], call["timelimit"])
    return result.returncode


def _spec(job: Any, call: dict[str, Any]) -> CommandSpec:
    """The worker's description of the process cwltool would start."""
    from parsl_cwl.containers import ParslContainerJob

    redirects = {"stdout_path": call["stdout_path"], "stderr_path": call["stderr_path"], "timelimit": call["timelimit"]}
    if isinstance(job, ParslContainerJob):  # the client's environment is the worker's own
        argv, container = job.container_run(list(call["commands"]))
        return CommandSpec(argv=tuple(argv), cwd=call["cwd"], container=container, **redirects)
    return CommandSpec(argv=tuple(call["commands"]), cwd=call["cwd"], env=dict(call["env"]),
                       stdin_path=call["stdin_path"], **redirects)


def _container_failure(error: ContainerError) -> Exception:
    """A container that could not run, as the job's error; a missing image says how to provide it."""
    from cwltool.errors import WorkflowException

    text = str(error)
    if isinstance(error, ContainerImageNotFound):
        text = (f"image {error.image!r} is not present for container runtime {error.runtime!r} where the command "
                f"ran: parsl-cwl never pulls images. Provide it on every worker first (e.g. `{error.runtime} pull "
                f"{error.image}`, `{error.runtime} load -i FILE` or `{error.runtime} build -t {error.image} DIR`), "
                f"or run with --no-container.\n{text}")
    return WorkflowException(text)


def _relay(text: str, stream: Any) -> None:
    """Write what the tool printed to unredirected streams where cwltool would have (stderr)."""
    if isinstance(stream, io.TextIOBase) or hasattr(stream, "encoding"):
        stream.write(text)
    else:
        stream.write(text.encode())
    stream.flush()
