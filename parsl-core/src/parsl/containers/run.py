"""Running one named container under a guard, so that no container outlives its task."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from typing import IO, Mapping, Optional, Sequence

import attrs

from parsl.app.errors import AppTimeout
from parsl.containers import errors as ce
from parsl.containers.runtime import ContainerRuntime, Mount

_GUARD = os.path.join(os.path.dirname(__file__), "_guard.py")

#: Process groups of the runtime clients running now, and whether ``stop_all`` was called.
_clients: set[int] = set()
_stopping = False


def stop_all() -> None:
    """Kill every runtime client this process runs, and any started later; each run then removes
    its container and returns. Safe in a signal handler: it raises nothing into the run."""
    global _stopping
    _stopping = True
    for pgid in list(_clients):
        _kill_group(pgid)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@attrs.frozen
class Finished:
    """A container that ran to its end."""

    argv: list[str]
    returncode: int
    stderr: str


def new_name() -> str:
    """A fresh container name: ``parsl-`` and 16 hex digits."""
    return f"parsl-{uuid.uuid4().hex[:16]}"


def run_container(runtime: ContainerRuntime, image: str, command: Sequence[str], *,
                  mounts: Sequence[Mount] = (), workdir: Optional[str] = None,
                  env: Optional[Mapping[str, str]] = None, gpus: Optional[str] = None,
                  host_network: bool = True, stdout: Optional[IO[str]] = None,
                  stderr: Optional[IO[str]] = None, timeout: Optional[float] = None) -> Finished:
    """Run ``command`` in ``image`` and wait for it; the container is removed however this ends.

    The container's stderr is kept for error messages, and copied to ``stderr`` if given.
    Raises ``ContainerRuntimeNotFound``, ``ContainerBindPathMissing``, ``AppTimeout`` (after
    ``timeout`` seconds) and, when the run failed because the image is absent,
    ``ContainerImageNotFound``.
    """
    program = runtime.program()
    wanted = [runtime.executable] if runtime.executable else list(runtime.programs)
    name = new_name()
    env = {"PARSL_CONTAINER_NAME": name, **(env or {})}
    argv = runtime.run_argv(program or wanted[0], image, command, name=name, mounts=mounts, workdir=workdir,
                            env=env, gpus=gpus, host_network=host_network)
    if program is None:
        raise ce.ContainerRuntimeNotFound(f"container runtime {runtime.name!r} is not installed: "
                                          f"{' or '.join(wanted)} is not on PATH", runtime.name, image, argv)
    for mount in mounts:
        if not os.path.exists(mount.source):
            raise ce.ContainerBindPathMissing(f"bind path {mount.source!r} does not exist on the host",
                                              runtime.name, image, argv)
    runtime.prepare(image, mounts)
    with tempfile.TemporaryFile("w+b") as capture:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=capture,
                                start_new_session=True)
        _clients.add(proc.pid)
        if _stopping:
            _kill_group(proc.pid)
        guard = _start_guard(runtime.remove_argv(program, name) if runtime.names_containers else None, proc.pid)
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _abort(guard, proc)
            raise AppTimeout(f"container {name} ({runtime.name}, image {image}) exceeded walltime: "
                             f"{timeout} seconds; it was removed") from None
        except BaseException:
            _abort(guard, proc)
            raise
        finally:
            _clients.discard(proc.pid)
        # a client killed by a signal may leave its container behind: have the guard remove it
        _finish(guard, remove=returncode < 0 or not runtime.removes_on_exit)
        capture.seek(0)
        text = capture.read().decode(errors="replace")
    if stderr is not None:
        stderr.write(text)
        stderr.flush()
    if returncode > 0 and not runtime.image_present(program, image):
        raise ce.ContainerImageNotFound(f"image {image!r} is not present locally (container apps never pull; "
                                        f"build or pull it first)", runtime.name, image, argv, text)
    return Finished(argv, returncode, text)


def _start_guard(remove: Optional[list[str]], pgid: int) -> subprocess.Popen:
    spec = json.dumps({"remove": remove, "pgid": pgid})
    return subprocess.Popen([sys.executable, "-S", _GUARD, spec], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _finish(guard: subprocess.Popen, remove: bool) -> None:
    """Tell the guard the container ended, or (to have it removed) say nothing and wait for it."""
    assert guard.stdin is not None
    try:
        if not remove:
            guard.stdin.write(b"done")
        guard.stdin.close()
    except BrokenPipeError:  # the guard was killed: the run itself ended normally
        pass
    if remove:
        guard.wait()
    # else the guard just exits; not waiting keeps its start-up out of the task's time (a Popen
    # left unwaited is reaped by the subprocess module later)


def _abort(guard: subprocess.Popen, proc: subprocess.Popen) -> None:
    """Let the guard remove the container, and wait until it has."""
    assert guard.stdin is not None
    guard.stdin.close()
    guard.wait()
    proc.wait()
