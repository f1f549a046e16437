"""Registers ``AWSProvider`` as ``aws`` and serves Parsl's ``parsl.providers.aws`` path."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_providers(register: Register) -> None:
    from parsl_provider_aws.aws import AWSProvider

    register(AWSProvider, name="aws")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.providers.aws": "parsl_provider_aws"}
