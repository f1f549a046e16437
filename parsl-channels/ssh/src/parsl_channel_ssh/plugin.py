"""Registers ``SSHChannel`` as ``ssh`` and serves Parsl's ``parsl.channels.ssh`` path."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.1,<2"  # parsl_register_channels


@hookimpl
def parsl_register_channels(register: Register) -> None:
    from parsl_channel_ssh.channel import SSHChannel

    register(SSHChannel, name="ssh")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.channels.ssh": "parsl_channel_ssh"}
