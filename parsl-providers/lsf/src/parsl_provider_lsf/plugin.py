"""Registers ``LSFProvider`` as ``lsf`` and serves Parsl's ``parsl.providers.lsf`` path."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_providers(register: Register) -> None:
    from parsl_provider_lsf.lsf import LSFProvider

    register(LSFProvider, name="lsf")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.providers.lsf": "parsl_provider_lsf"}
