"""The ``parsl-sites`` plugin: the shipped templates, the hosted registries' cached templates, ``parsl site``."""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING, Any

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

if TYPE_CHECKING:
    import argparse

PARSL_PLUGIN_API = ">=1.1,<2"


@hookimpl
def parsl_register_sites(register: Register) -> None:
    from parsl_sites.hosted import cached_sites
    from parsl_sites.site import template_site

    for source in sorted(files("parsl_sites").joinpath("templates").iterdir(), key=lambda p: p.name):
        if source.name.endswith(".toml"):
            register(template_site(source), name=source.name.removesuffix(".toml"))
    for registry, source in cached_sites():
        name = source.name.removesuffix(".toml")
        register(template_site(source, f"{registry}/{name}", origin=f"registry {registry}"), name=f"{registry}/{name}")


@hookimpl
def parsl_cli_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    from parsl_sites import cli

    cli.add_parser(subparsers)
