"""Bash apps: the function returns a command line, which the task runs with ``/bin/bash``."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
from inspect import Parameter
from typing import IO, TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Union

from parsl.app import errors as pe
from parsl.app.base import AppBase, parameters
from parsl.app.errors import wrap_error
from parsl.data_provider.files import File

if TYPE_CHECKING:
    from parsl.dataflow.dflow import DataFlowKernel
    from parsl.dataflow.futures import AppFuture


def remote_side_bash_executor(func: Callable, *args: Any, **kwargs: Any) -> int:
    """Build the command line with ``func`` and run it; where the task runs, not where it was submitted.

    Raises ``BashAppNoReturn`` (None returned), ``ValueError`` (a non-string returned),
    ``AppBadFormatting``, ``BadStdStreamFile``, ``AppTimeout`` (``walltime``; the command's process
    group is killed), ``BashExitFailure`` (non-zero exit) and ``MissingOutputs``.
    """
    name = getattr(func, "__name__", "bash_app")
    try:
        command = func(*args, **kwargs)
    except (AttributeError, IndexError, KeyError) as e:
        raise pe.AppBadFormatting(f"App formatting failed for app '{name}' with {type(e).__name__}: {e}") from e
    if command is None:
        raise pe.BashAppNoReturn(f"Bash app '{name}' did not return a value, or returned None")
    if not isinstance(command, str):
        raise ValueError(f"Expected a str for bash_app commandline, got {type(command)}")

    std_out = _open_std_stream("stdout", kwargs.get("stdout"))
    std_err = _open_std_stream("stderr", kwargs.get("stderr"))
    walltime = kwargs.get("walltime")
    try:
        if std_err is not None:
            print(f"--> executable follows <--\n{command}\n--> end executable <--", file=std_err, flush=True)
        # with a walltime the command gets its own process group, so that all of it can be killed
        proc = subprocess.Popen(command, stdout=std_out, stderr=std_err, shell=True, executable="/bin/bash",
                                close_fds=False, start_new_session=walltime is not None)
        try:
            returncode = proc.wait(timeout=walltime)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise pe.AppTimeout(f"App {name} exceeded walltime: {walltime} seconds") from None
    finally:
        for stream in (std_out, std_err):
            if stream is not None:
                stream.close()
    if returncode != 0:
        raise pe.BashExitFailure(name, returncode)
    missing = [f for f in kwargs.get("outputs") or () if not os.path.exists(os.fspath(f))]
    if missing:
        raise pe.MissingOutputs(f"Missing outputs from app {name}", missing)
    return returncode


def _open_std_stream(fdname: str, spec: Any) -> Optional[IO[str]]:
    if spec is None:
        return None
    from parsl.utils import get_std_fname_mode

    if isinstance(spec, File):
        fname, mode = spec.filepath, "w"
    else:
        fname, mode = get_std_fname_mode(fdname, spec)
    try:
        if os.path.dirname(fname):
            os.makedirs(os.path.dirname(fname), exist_ok=True)
        return open(fname, mode)
    except Exception as e:
        raise pe.BadStdStreamFile(f"{fname} ({fdname}): {type(e).__name__}: {e}") from e


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


class BashApp(AppBase):
    """A function returning a command line, as an app."""

    def __init__(self, func: Callable, data_flow_kernel: Optional[DataFlowKernel] = None, cache: bool = False,
                 executors: Union[List[str], str] = "all", ignore_for_cache: Optional[Sequence[str]] = None) -> None:
        super().__init__(func, data_flow_kernel=data_flow_kernel, executors=executors, cache=cache,
                         ignore_for_cache=ignore_for_cache)
        # every keyword default reaches the function, so the command line can be formatted from it
        self.kwargs = {k: p.default for k, p in parameters(func).items() if p.default is not Parameter.empty}
        remote = functools.partial(remote_side_bash_executor, func)
        functools.update_wrapper(remote, func)
        self.wrapped_remote_function = wrap_error(remote)

    def __call__(self, *args: Any, **kwargs: Any) -> AppFuture:
        invocation = dict(self.kwargs)
        invocation.update(kwargs)
        return self._dfk().submit(self.wrapped_remote_function, app_args=args, executors=self.executors,
                                  cache=self.cache, ignore_for_cache=self.ignore_for_cache, app_kwargs=invocation)
