"""The core's own plugins, registered through the ``parsl`` entry point ``core`` like any other.

Nothing of the core is wired in beside the hooks: its executor, provider, launchers, stagers
and CLI commands all come from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

if TYPE_CHECKING:
    import argparse

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_executors(register: Register) -> None:
    from parsl.executors.threads import ThreadPoolExecutor

    register(ThreadPoolExecutor, name="threads")


@hookimpl
def parsl_register_providers(register: Register) -> None:
    from parsl.providers.adhoc import AdHocProvider
    from parsl.providers.local.local import LocalProvider

    register(LocalProvider, name="local")
    register(AdHocProvider, name="adhoc", aliases=("ad-hoc",))


@hookimpl
def parsl_register_channels(register: Register) -> None:
    from parsl.channels.local import LocalChannel

    register(LocalChannel, name="local")


@hookimpl
def parsl_register_launchers(register: Register) -> None:
    from parsl.launchers import launchers as L
    from parsl.launchers.container import ContainerLauncher

    register(L.SimpleLauncher, name="simple")
    register(L.SingleNodeLauncher, name="single-node", aliases=("single_node",))
    register(L.SrunLauncher, name="srun")
    register(L.SrunMPILauncher, name="srun-mpi", aliases=("srun_mpi",))
    register(L.AprunLauncher, name="aprun")
    register(L.MpiExecLauncher, name="mpiexec")
    register(L.MpiRunLauncher, name="mpirun")
    register(L.JsrunLauncher, name="jsrun")
    register(L.GnuParallelLauncher, name="gnu-parallel", aliases=("gnu_parallel",))
    register(L.WrappedLauncher, name="wrapped")
    register(ContainerLauncher, name="container")


@hookimpl
def parsl_register_stagers(register: Register) -> None:
    from parsl.data_provider.file_noop import NoOpFileStaging
    from parsl.data_provider.zip import ZipFileStaging

    register(NoOpFileStaging, name="file")
    register(ZipFileStaging, name="zip")


@hookimpl
def parsl_cli_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    from parsl.cli import config_cmd, plugins_cmd, run_cmd

    for module in (run_cmd, plugins_cmd, config_cmd):
        module.add_parser(subparsers)


@hookimpl
def parsl_register_logconfigs(register: Register) -> None:
    from parsl.logconfigs import FileLogging, JSONLogging, NoopLogging

    register(FileLogging, name="file")
    register(JSONLogging, name="json")
    register(NoopLogging, name="noop")
