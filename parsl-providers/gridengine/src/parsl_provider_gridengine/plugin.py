"""Registers ``GridEngineProvider`` as ``gridengine`` and serves ``parsl.providers.grid_engine``."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_providers(register: Register) -> None:
    from parsl_provider_gridengine.grid_engine import GridEngineProvider

    register(GridEngineProvider, name="gridengine", aliases=("grid_engine",))


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.providers.grid_engine": "parsl_provider_gridengine"}
