"""The ``parsl`` entry point of parsl-executor-globus-compute: registers the executor without importing the SDK."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_executors(register: Register) -> None:
    from parsl_executor_globus_compute.executor import GlobusComputeExecutor

    register(GlobusComputeExecutor, name="globus_compute")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.executors.globus_compute": "parsl_executor_globus_compute"}
