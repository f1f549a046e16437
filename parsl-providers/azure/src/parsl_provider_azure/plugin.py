"""Registers ``AzureProvider`` as ``azure`` and serves Parsl's ``parsl.providers.azure`` path.

Importing this module imports no Azure library: they are imported when a provider connects (at ``parsl.load``).
"""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_providers(register: Register) -> None:
    from parsl_provider_azure.azure import AzureProvider

    register(AzureProvider, name="azure")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.providers.azure": "parsl_provider_azure"}
