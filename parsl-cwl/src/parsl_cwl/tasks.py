"""Commands as Parsl tasks: the :data:`~parsl_cwl.executor.CommandRunner` that submits to a DataFlowKernel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

from parsl_cwl.command import CommandResult, CommandSpec, run_command
from parsl_cwl.resources import accepts_resource_specification, resource_specification

if TYPE_CHECKING:
    from parsl.dataflow.dflow import DataFlowKernel


class ParslTasks:
    """Submit each command to ``executors`` of a DataFlowKernel (default: the loaded one, found
    when the first command runs) and wait for it."""

    def __init__(self, dfk: Optional[DataFlowKernel] = None, executors: Union[str, Sequence[str]] = "all") -> None:
        self._dfk = dfk
        self.executors = executors if isinstance(executors, str) else list(executors)

    @property
    def dfk(self) -> DataFlowKernel:
        if self._dfk is not None:
            return self._dfk
        import parsl

        return parsl.dfk()

    def __call__(self, spec: CommandSpec, job: Any) -> CommandResult:
        from parsl.app.app import python_app

        dfk = self.dfk
        app = python_app(run_command, data_flow_kernel=dfk, executors=self.executors)
        kwargs: dict[str, Any] = {}
        resources = resource_specification(job)
        if resources and all(accepts_resource_specification(dfk.executors[label]) for label in self._labels(dfk)):
            kwargs["parsl_resource_specification"] = resources
        result: CommandResult = app(spec, **kwargs).result()
        return result

    def _labels(self, dfk: DataFlowKernel) -> list[str]:
        from parsl.dataflow.internal import INTERNAL_EXECUTOR

        if self.executors == "all":
            return [label for label in dfk.executors if label != INTERNAL_EXECUTOR]
        return [label for label in self.executors if label in dfk.executors]
