"""Registers ``CobaltProvider`` as ``cobalt`` and serves Parsl's ``parsl.providers.cobalt`` path."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_providers(register: Register) -> None:
    from parsl_provider_cobalt.cobalt import CobaltProvider

    register(CobaltProvider, name="cobalt")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.providers.cobalt": "parsl_provider_cobalt"}
