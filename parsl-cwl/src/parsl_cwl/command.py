"""What a worker runs for one CommandLineTool job: an argv in a directory, nothing CWL-specific.

The submit side (cwltool) binds the inputs, stages them into the job's directory and builds the
command line; the worker only needs this small, picklable description. This module imports the
standard library alone (and ``parsl.containers`` for a command that runs in an image), so a worker
pays nothing for cwltool or node.js.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any, Optional

#: How much of a tool's unredirected stdout/stderr comes back to the submit side (its tail).
LOG_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class ContainerRun:
    """The image a command runs in, through the container-runtime plugin ``runtime`` on the worker.

    ``mounts`` are ``(host path, container path, read_only)``: the job's output directory, its
    temporary directory and each staged input, at the paths the command line names. ``env`` is
    the whole environment of the command inside the container.
    """

    runtime: str
    image: str
    mounts: tuple[tuple[str, str, bool], ...]
    workdir: str
    env: dict[str, str] = field(default_factory=dict)
    network: bool = False  #: CWL NetworkAccess: the host's network, else the runtime's default


@dataclass(frozen=True)
class CommandSpec:
    """One process to start: ``argv`` in ``cwd`` with exactly ``env``, optional redirects and a time limit."""

    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str] = field(default_factory=dict)
    stdin_path: Optional[str] = None
    stdout_path: Optional[str] = None
    stderr_path: Optional[str] = None
    timelimit: Optional[int] = None  #: seconds (ToolTimeLimit); None or 0: no limit
    container: Optional[ContainerRun] = None  #: run ``argv`` in this image (``env`` is then unused)


@dataclass(frozen=True)
class CommandResult:
    """How the process ended: its exit code (negative: the signal), whether the time limit ended it,
    and the tail of what it wrote to streams the tool did not redirect."""

    returncode: int
    timed_out: bool = False
    log: str = ""


def run_command(spec: CommandSpec, parsl_resource_specification: Optional[dict[str, Any]] = None) -> CommandResult:
    """Run ``spec`` to completion on this node; terminate it when its time limit passes.

    ``parsl_resource_specification`` is for the executor (a Parsl app's function takes it to be
    given one); the process itself needs nothing from it.
    """
    with tempfile.TemporaryFile() as log:
        if spec.container is not None:
            return _run_in_container(spec, spec.container, log)
        stdin: IO[bytes] | int = open(spec.stdin_path, "rb") if spec.stdin_path else subprocess.DEVNULL
        stdout: IO[bytes] = open(spec.stdout_path, "wb") if spec.stdout_path else log
        stderr: IO[bytes] = open(spec.stderr_path, "wb") if spec.stderr_path else log
        try:
            proc = subprocess.Popen(list(spec.argv), cwd=spec.cwd, env=spec.env, stdin=stdin,
                                    stdout=stdout, stderr=stderr, close_fds=True)
        finally:
            for stream in (stdin, stdout, stderr):
                if stream is not log and not isinstance(stream, int):
                    stream.close()
        timed_out = False
        try:
            proc.wait(timeout=spec.timelimit or None)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.send_signal(signal.SIGTERM)
            proc.wait()
        return CommandResult(proc.returncode, timed_out, _tail(log))


def _run_in_container(spec: CommandSpec, container: ContainerRun, log: IO[bytes]) -> CommandResult:
    """Run ``spec`` in its image with ``parsl.containers`` (never pulling; the container is removed
    however the run ends). A missing image or runtime raises that runtime's ``ContainerError``."""
    from parsl.app.errors import AppTimeout
    from parsl.containers.run import run_container
    from parsl.containers.runtime import Mount
    from parsl.plugins.manager import get_plugin_manager

    runtime = get_plugin_manager().get("container_runtime", container.runtime)(run_options=_as_user(container.runtime))
    mounts = [Mount(source, target, read_only) for source, target, read_only in container.mounts]
    with contextlib.ExitStack() as streams:
        stdout = streams.enter_context(open(spec.stdout_path, "wb")) if spec.stdout_path else log
        stderr = streams.enter_context(open(spec.stderr_path, "w")) if spec.stderr_path else None
        try:
            done = run_container(runtime, container.image, spec.argv, mounts=mounts, workdir=container.workdir,
                                 env=container.env, host_network=container.network, stdout=stdout,  # type: ignore[arg-type]
                                 stderr=stderr, timeout=spec.timelimit or None)
        except AppTimeout:  # the container was removed (killed)
            return CommandResult(-signal.SIGKILL, True, _tail(log))
    if stderr is None:
        log.write(done.stderr.encode())
    return CommandResult(done.returncode, False, _tail(log))


def _as_user(runtime: str) -> list[str]:
    """Options that make a Docker-form runtime run the command as this worker's user (so that
    outputs belong to the user, as CWL runners do); the other runtimes always run as the caller."""
    user = [f"--user={os.getuid()}:{os.getgid()}"]
    if runtime == "docker":
        return user
    if runtime == "podman":  # rootless podman maps the user to the container's root unless told
        return user + (["--userns=keep-id"] if os.getuid() != 0 else [])
    return []


def _tail(log: IO[bytes]) -> str:
    """The end of what the tool wrote to its unredirected streams."""
    size = log.seek(0, os.SEEK_END)
    log.seek(max(0, size - LOG_TAIL_BYTES))
    return log.read().decode(errors="replace")
