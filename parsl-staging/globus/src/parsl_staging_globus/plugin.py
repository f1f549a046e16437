"""The ``parsl`` entry point of parsl-staging-globus: the stager, its module path, ``parsl globus``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

if TYPE_CHECKING:
    import argparse

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_stagers(register: Register) -> None:
    from parsl_staging_globus.staging import GlobusStaging

    register(GlobusStaging, name="globus")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.data_provider.globus": "parsl_staging_globus"}


@hookimpl
def parsl_cli_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from parsl_staging_globus.cli import add_parser

    add_parser(subparsers)
