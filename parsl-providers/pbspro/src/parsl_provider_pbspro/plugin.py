"""Registers ``PBSProProvider`` as ``pbspro`` and serves Parsl's ``parsl.providers.pbspro`` path."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_providers(register: Register) -> None:
    from parsl_provider_pbspro.pbspro import PBSProProvider

    register(PBSProProvider, name="pbspro")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.providers.pbspro": "parsl_provider_pbspro"}
