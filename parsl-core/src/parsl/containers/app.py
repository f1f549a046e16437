"""``Container``: an image a bash or Python app runs in.

::

    step1 = Container("localhost/tools/step1", runtime="podman")

    @bash_app
    @step1.bash
    def convert(inputs=(), outputs=()):
        return f"step1 < {inputs[0]} > {outputs[0]}"

    @python_app
    @Container("localhost/py3").python
    def double(x):
        return 2 * x

Where the task runs, the wrapper starts one named container per call, with the task's working
directory and the folders of every ``File`` argument bind-mounted at their own paths, and waits
for it. A bash app's command runs under ``/bin/bash -c``; a Python app's function, with its
arguments, is serialized with ``dill`` and run by the image's Python (it needs ``dill`` and the
same ``major.minor`` as the submitting Python; ``File`` arguments arrive as ``str`` paths with
``filepath``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import tempfile
import types
from typing import IO, Any, Callable, Iterator, Optional, Sequence, Union, cast

import attrs

from parsl.containers import errors as ce
from parsl.containers.run import Finished, run_container
from parsl.containers.runtime import ContainerRuntime, Mount
from parsl.data_provider.files import File
from parsl.plugins.settings import settings

_BOOTSTRAP_PATH = os.path.join(os.path.dirname(__file__), "_bootstrap.py")
#: Exit code of the bootstrap when the image's Python cannot run the payload.
_UNUSABLE_PYTHON = 97


@settings
class Container:
    """An image, the runtime that runs it, and what every run of it gets.

    ``runtime`` is a container-runtime plugin name (``podman``, ``docker``, ``apptainer``,
    ``charliecloud``...) or instance; ``mounts`` are ``SRC[:DST[:ro]]`` on top of the automatic
    ones; ``gpus`` is ``"all"`` or device indices (``"0,1"``); ``interpreter`` is the image's
    Python for Python apps; ``workdir`` defaults to the task's working directory.
    """

    image: str
    runtime: Union[str, ContainerRuntime] = "podman"
    mounts: list[str] = attrs.field(factory=list)
    env: dict[str, str] = attrs.field(factory=dict)
    gpus: Optional[str] = None
    host_network: bool = True
    interpreter: str = "python3"
    workdir: Optional[str] = None

    def __attrs_post_init__(self) -> None:
        for spec in self.mounts:
            Mount.parse(spec)  # a malformed mount fails here, where it was written

    def as_dict(self) -> dict[str, Any]:
        """The keywords that rebuild this container: ``Container(**c.as_dict())``."""
        return {f.name: getattr(self, f.name) for f in attrs.fields(cast(Any, type(self)))}

    def runtime_plugin(self) -> ContainerRuntime:
        """The runtime instance (a name is looked up among the container-runtime plugins)."""
        if isinstance(self.runtime, ContainerRuntime):
            return self.runtime
        from parsl.plugins.manager import get_plugin_manager

        runtime: ContainerRuntime = get_plugin_manager().get("container_runtime", self.runtime)()
        return runtime

    def run(self, command: Sequence[str], *, files: Sequence[str] = (), extra_mounts: Sequence[str] = (),
            stdout: Optional[IO[str]] = None, stderr: Optional[IO[str]] = None,
            timeout: Optional[float] = None) -> Finished:
        """Run ``command`` in the image, binding the folders of ``files`` and ``extra_mounts``."""
        workdir = self.workdir or os.getcwd()
        folders = [workdir, *extra_mounts, *(os.path.dirname(os.path.abspath(f)) for f in files)]
        mounts = [Mount(folder) for folder in _outermost(folders)] + [Mount.parse(m) for m in self.mounts]
        return run_container(self.runtime_plugin(), self.image, command, mounts=mounts, workdir=workdir,
                             env=self.env, gpus=self.gpus, host_network=self.host_network, stdout=stdout,
                             stderr=stderr, timeout=timeout)

    def bash(self, func: Callable[..., str]) -> Callable[..., str]:
        """Make a bash app's command run in this container (put it under ``@bash_app``).

        The container runs when the task runs; the command line the bash app then sees is a
        comment saying so, and a non-zero exit is a ``ContainerExitError`` (a ``BashExitFailure``).
        """

        @functools.wraps(func)
        def command_in_container(*args: Any, **kwargs: Any) -> str:
            command = func(*args, **kwargs)
            if not isinstance(command, str):
                return command  # the bash app reports None or a non-string itself
            with _std_stream("stdout", kwargs.get("stdout")) as out, _std_stream("stderr", kwargs.get("stderr")) as err:
                done = self.run(["/bin/bash", "-c", command], files=_file_paths((args, kwargs)), stdout=out,
                                stderr=err, timeout=kwargs.get("walltime"))
            if done.returncode != 0:
                raise ce.ContainerExitError(
                    f"bash app {func.__name__!r} exited with code {done.returncode} in its container",
                    self.runtime_plugin().name, self.image, done.argv, done.stderr, done.returncode, func.__name__)
            return f"# ran in a container of image {self.image}"

        return command_in_container

    def python(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Make a Python app's function run in this container, on the image's Python."""

        @functools.wraps(func)
        def function_in_container(*args: Any, **kwargs: Any) -> Any:
            import dill

            with tempfile.TemporaryDirectory(prefix="parsl-container-") as scratch:
                payload, result = os.path.join(scratch, "payload"), os.path.join(scratch, "result")
                with open(payload, "wb") as f:
                    dill.dump((_by_value(func), _encode_files(args),
                               {k: _encode_files(v) for k, v in kwargs.items()}), f, recurse=True)
                with open(_BOOTSTRAP_PATH) as f:
                    bootstrap = f.read()
                version = "{}.{}".format(*sys.version_info[:2])
                done = self.run([self.interpreter, "-c", bootstrap, payload, result, version],
                                files=_file_paths((args, kwargs)), extra_mounts=[scratch],
                                timeout=kwargs.get("walltime"))
                if os.path.exists(result):
                    with open(result, "rb") as f:
                        outcome = dill.load(f)
                else:
                    raise self._python_failure(func.__name__, done)
            if outcome[0]:
                return outcome[1]
            exc = outcome[1]
            if hasattr(exc, "add_note") and outcome[2]:
                exc.add_note(f"(raised in a container of image {self.image}:)\n{outcome[2].rstrip()}")
            raise exc

        return function_in_container

    def _python_failure(self, name: str, done: Finished) -> ce.ContainerError:
        """The error for a Python app's container that left no result."""
        runtime = self.runtime_plugin()
        argv = [a if len(a) < 200 else "<bootstrap>" for a in done.argv]
        unusable = done.returncode == _UNUSABLE_PYTHON or runtime.command_not_found(done.returncode, done.stderr)
        if not unusable:  # not every runtime says why the command did not start: ask the image
            unusable = self.run([self.interpreter, "-c", "import dill"]).returncode != 0
        if unusable:
            return ce.ContainerPythonError(f"python app {name!r}: the image has no usable Python "
                                           f"({self.interpreter!r} with dill)", runtime.name, self.image, argv,
                                           done.stderr)
        return ce.ContainerExitError(f"python app {name!r}: its container exited with code {done.returncode} "
                                     f"without a result", runtime.name, self.image, argv, done.stderr,
                                     done.returncode, name)


def _outermost(folders: Sequence[str]) -> list[str]:
    """The folders not inside another of them, each once, in order."""
    unique = list(dict.fromkeys(os.path.abspath(f) for f in folders))
    return [f for f in unique if not any(o != f and f.startswith(o.rstrip("/") + "/") for o in unique)]


def _file_paths(obj: Any) -> list[str]:
    """The local paths of every ``File`` in ``obj`` (through lists, tuples and dict values)."""
    if isinstance(obj, File):
        return [obj.filepath]
    if isinstance(obj, (list, tuple)):
        return [p for o in obj for p in _file_paths(o)]
    if isinstance(obj, dict):
        return [p for o in obj.values() for p in _file_paths(o)]
    return []


def _encode_files(obj: Any) -> Any:
    """``obj`` with each ``File`` (through lists and tuples) as ``("__parsl_file__", path)``."""
    if isinstance(obj, File):
        return ("__parsl_file__", os.path.abspath(obj.filepath))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_encode_files(o) for o in obj)
    return obj


def _by_value(func: Callable[..., Any]) -> Callable[..., Any]:
    """A copy of ``func`` that dill serializes by value (the image has no module to import it from)."""
    if not isinstance(func, types.FunctionType):
        return func
    copy = types.FunctionType(func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__)
    copy.__kwdefaults__ = func.__kwdefaults__
    return copy


@contextlib.contextmanager
def _std_stream(fdname: str, spec: Any) -> Iterator[Optional[IO[str]]]:
    """Open a bash app's ``stdout``/``stderr`` target as the bash app would."""
    if spec is None:
        yield None
        return
    from parsl.utils import get_std_fname_mode

    fname, mode = (spec.filepath, "w") if isinstance(spec, File) else get_std_fname_mode(fdname, spec)
    if os.path.dirname(fname):
        os.makedirs(os.path.dirname(fname), exist_ok=True)
    with open(fname, mode) as stream:
        yield stream
