"""The ``parsl`` entry point of parsl-executor-dask: registers ``DaskExecutor`` without importing Dask."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_executors(register: Register) -> None:
    from parsl_executor_dask.executor import DaskExecutor

    register(DaskExecutor, name="dask")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.executors.dask": "parsl_executor_dask"}
