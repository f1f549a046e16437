"""Registers ``OpenStackProvider`` as ``openstack`` and serves ``parsl.providers.openstack``.

Importing this module imports no OpenStack library: openstacksdk is imported when a provider connects.
"""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_providers(register: Register) -> None:
    from parsl_provider_openstack.openstack import OpenStackProvider

    register(OpenStackProvider, name="openstack")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.providers.openstack": "parsl_provider_openstack"}
