"""Registers ``ShifterRuntime`` as the container runtime ``shifter``."""

from __future__ import annotations

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.1,<2"


@hookimpl
def parsl_register_container_runtimes(register: Register) -> None:
    from parsl_container_shifter.runtime import ShifterRuntime

    register(ShifterRuntime, name="shifter")
