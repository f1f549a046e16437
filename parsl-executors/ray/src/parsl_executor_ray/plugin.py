"""The ``parsl`` entry point of parsl-executor-ray: registers ``RayExecutor`` without importing Ray."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_executors(register: Register) -> None:
    from parsl_executor_ray.executor import RayExecutor

    register(RayExecutor, name="ray")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.executors.ray": "parsl_executor_ray"}
