"""``parsl_cwl.load``: a CWL tool or workflow as a Parsl app.

Calling the app returns an ``AppFuture`` at once. The run waits for any futures among the inputs
(so it composes with Python and bash apps), then drives the CWL process on a thread of Parsl's
internal executor while each command runs as a task on the configured executors. The future's
result is the CWL output object with every ``File`` as a Parsl ``File``; ``future.outputs`` holds
one ``DataFuture`` per ``File`` output of the tool, in declaration order, whose path (a link to
the output, known before the run) other apps can be given at once.
"""

from __future__ import annotations

import itertools
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

from parsl.app.futures import DataFuture
from parsl.data_provider.files import File
from parsl_cwl import dispatch
from parsl_cwl.errors import CWLInputError, CWLRunError, CWLValidationError
from parsl_cwl.values import from_cwl, to_cwl

if TYPE_CHECKING:
    from parsl.dataflow.dflow import DataFlowKernel
    from parsl.dataflow.futures import AppFuture


def load(path: Union[str, os.PathLike[str]], *, executors: Union[str, Sequence[str]] = "all",
         outdir: Optional[Union[str, os.PathLike[str]]] = None,
         data_flow_kernel: Optional[DataFlowKernel] = None, container_runtime: Optional[str] = None,
         use_container: bool = True) -> CWLApp:
    """Load and validate the CWL document at ``path``; return it as an app.

    ``executors`` are where its commands run; each call's outputs go to a directory of its own
    under ``outdir`` (default: ``<run_dir>/cwl`` of the DataFlowKernel). A ``DockerRequirement``
    runs through the container-runtime plugin ``container_runtime`` (default: podman, else
    docker, if installed); ``use_container=False`` is cwltool's ``--no-container``.
    """
    return CWLApp(os.fspath(path), executors=executors, outdir=outdir, data_flow_kernel=data_flow_kernel,
                  container_runtime=container_runtime, use_container=use_container)


class CWLApp:
    """A validated CWL process; call it with the process's inputs as keyword arguments."""

    _calls = itertools.count(1)

    def __init__(self, path: str, *, executors: Union[str, Sequence[str]] = "all",
                 outdir: Optional[Union[str, os.PathLike[str]]] = None,
                 data_flow_kernel: Optional[DataFlowKernel] = None, container_runtime: Optional[str] = None,
                 use_container: bool = True) -> None:
        from cwltool.context import LoadingContext, RuntimeContext
        from cwltool.load_tool import load_tool
        from schema_salad.exceptions import ValidationException

        from parsl_cwl.containers import choose_runtime, tool_maker

        if not os.path.exists(path):
            raise FileNotFoundError(f"no CWL document at {path}")
        self.path = path
        self.executors = executors
        self.outdir = os.fspath(outdir) if outdir is not None else None
        self.data_flow_kernel = data_flow_kernel
        runtime = choose_runtime(container_runtime) if use_container else None
        loading = LoadingContext({"relax_path_checks": True, "construct_tool_object": tool_maker(runtime)})
        try:  # parsed and validated once: schema-salad's report names file, line and field
            self.process = load_tool(path, loading)
        except ValidationException as e:
            raise CWLValidationError(path, str(e)) from None
        self.runtime_context = RuntimeContext({"on_error": "continue", "use_container": use_container})
        self.inputs = [_short(i["id"]) for i in self.process.tool["inputs"]]
        self.file_outputs = [_short(o["id"]) for o in self.process.tool["outputs"] if _is_file(o["type"])]

    def __repr__(self) -> str:
        return f"<CWLApp {self.path}: inputs {', '.join(self.inputs) or '(none)'}>"

    def __call__(self, **inputs: Any) -> AppFuture:
        unknown = sorted(set(inputs) - set(self.inputs))
        if unknown:
            raise CWLInputError(f"{self.path} has no input {', '.join(map(repr, unknown))}; "
                                f"its inputs are {', '.join(self.inputs) or '(none)'}")
        dfk = self._dfk()
        base = self.outdir or os.path.join(dfk.run_dir, "cwl")
        outdir = os.path.join(base, f"{Path(self.path).stem}-{next(self._calls)}")
        future = dfk.submit_internal(self._run, dfk, outdir, **inputs)
        future._outputs = [DataFuture(future, File(_link(outdir, name)), tid=future.tid) for name in self.file_outputs]
        return future

    def _dfk(self) -> DataFlowKernel:
        if self.data_flow_kernel is not None:
            return self.data_flow_kernel
        import parsl

        return parsl.dfk()

    def _run(self, dfk: DataFlowKernel, outdir: str, **inputs: Any) -> dict[str, Any]:
        from cwltool.errors import WorkflowException
        from schema_salad.exceptions import ValidationException

        from parsl_cwl.executor import ParslJobExecutor
        from parsl_cwl.tasks import ParslTasks

        runtime_context = self.runtime_context.copy()
        runtime_context.basedir = os.getcwd()
        runtime_context.outdir = outdir
        executor = ParslJobExecutor(ParslTasks(dfk, self.executors))
        with _ErrorLog(executor) as log:
            try:
                out, status = executor(self.process, to_cwl(inputs), runtime_context)
            except WorkflowException as e:
                if isinstance(e.__cause__, (ValidationException, WorkflowException)):  # the inputs do not fit
                    raise CWLInputError(f"{self.path}: {e}") from None
                raise CWLRunError(self.path, "permanentFail", [*log.messages, str(e)]) from e
        if status != "success":
            raise CWLRunError(self.path, status, log.messages, from_cwl(out))
        result: dict[str, Any] = from_cwl(out or {})
        for name in self.file_outputs:
            if isinstance(result.get(name), File):
                os.makedirs(os.path.dirname(_link(outdir, name)), exist_ok=True)
                os.symlink(result[name].filepath, _link(outdir, name))
        return result


def validate(path: str) -> None:
    """Raise ``CWLValidationError`` (cwl-utils' report: file, line, field) unless ``path`` is valid CWL."""
    from cwl_utils.parser import load_document_by_uri
    from schema_salad.exceptions import ValidationException

    if not os.path.exists(path):
        raise FileNotFoundError(f"no CWL document at {path}")
    try:
        load_document_by_uri(Path(path).resolve())
    except ValidationException as e:
        raise CWLValidationError(path, str(e)) from None


#: Whose records say why a run failed: cwltool's, and ours (a time limit that ended a command).
_LOGGERS = ("cwltool", "parsl_cwl")


class _ErrorLog(logging.Handler):
    """Collects the warnings and errors cwltool logs for one executor's run (which step failed,
    which expression threw) so that the run's exception can carry them."""

    def __init__(self, executor: Any) -> None:
        super().__init__(logging.WARNING)
        self.executor = executor
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if dispatch.active.get() is self.executor:
            self.messages.append(record.getMessage())

    def __enter__(self) -> _ErrorLog:
        for name in _LOGGERS:
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        for name in _LOGGERS:
            logging.getLogger(name).removeHandler(self)


def _link(outdir: str, name: str) -> str:
    """Where the DataFuture of File output ``name`` points: a path known before the run (a link to
    the output, whose own name only the run decides), so apps can be submitted against it at once."""
    return os.path.join(f"{outdir}.outputs", name)


def _short(identifier: str) -> str:
    """``file:///x/tool.cwl#step/name`` -> ``name``."""
    return identifier.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _is_file(cwl_type: Any) -> bool:
    """A ``File`` or optional ``File`` (``["null", "File"]``) output."""
    if isinstance(cwl_type, list):
        return [t for t in cwl_type if t != "null"] == ["File"]
    return bool(cwl_type == "File")
