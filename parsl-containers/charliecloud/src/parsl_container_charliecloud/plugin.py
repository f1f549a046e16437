"""Registers ``CharliecloudRuntime`` as the container runtime ``charliecloud``."""

from __future__ import annotations

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.1,<2"


@hookimpl
def parsl_register_container_runtimes(register: Register) -> None:
    from parsl_container_charliecloud.runtime import CharliecloudRuntime

    register(CharliecloudRuntime, name="charliecloud", aliases=('ch-run',))
