"""The hooks a Parsl plugin can implement.

A plugin is a module named by an entry point in the ``parsl`` group. It declares the plugin-API
range it supports (``PARSL_PLUGIN_API = ">=1.0,<2"``) and implements any of the hooks below with
``@parsl.plugins.hookimpl``.

Registration hooks (one per plugin kind) receive a ``register`` callback and call it once per
class offered::

    @hookimpl
    def parsl_register_providers(register):
        register(SlurmProvider, name="slurm")

``register(cls, *, name, aliases=())`` files ``cls`` under its short ``name``, its class name
(``SlurmProvider``) and any ``aliases``. Registration must be cheap: import heavy libraries when
the class is instantiated, not when the plugin module is imported.

Monitor hooks are called by the DataFlowKernel as a workflow runs. When no plugin implements
them the DataFlowKernel does not call them at all, so they cost nothing on the hot path.

Every hook was added in plugin API 1.0 unless its docstring says otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping, Protocol

import pluggy

if TYPE_CHECKING:
    import argparse

    from parsl.data_provider.transfer_record import Transfer
    from parsl.dataflow.states import States
    from parsl.dataflow.taskrecord import TaskRecord
    from parsl.jobs.states import JobStatus
    from parsl.plugins.protocols import DataFlowKernelView

PROJECT_NAME = "parsl"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


class Register(Protocol):
    """The callback passed to every registration hook."""

    def __call__(self, cls: type, *, name: str, aliases: tuple[str, ...] = ()) -> None: ...


# -- registration: one hook per plugin kind -------------------------------------------------------


@hookspec
def parsl_register_executors(register: Register) -> None:
    """Offer executor classes (subclasses of ``parsl.executors.base.ParslExecutor``)."""


@hookspec
def parsl_register_providers(register: Register) -> None:
    """Offer execution-provider classes (subclasses of ``parsl.providers.base.ExecutionProvider``)."""


@hookspec
def parsl_register_launchers(register: Register) -> None:
    """Offer launcher classes (subclasses of ``parsl.launchers.base.Launcher``)."""


@hookspec
def parsl_register_stagers(register: Register) -> None:
    """Offer staging-provider classes (subclasses of ``parsl.data_provider.staging.Staging``).

    The short ``name`` of a stager is the URL scheme it serves (``https``, ``ftp``, ``globus``),
    so that a ``File`` with an unknown scheme can name the distribution to install.
    """


@hookspec
def parsl_register_monitors(register: Register) -> None:
    """Offer monitor classes, such as ``MonitoringHub``, usable as ``Config(monitoring=...)``."""


@hookspec
def parsl_register_logconfigs(register: Register) -> None:
    """Offer logging configurations (subclasses of ``parsl.logconfigs.base.LogConfig``), usable as
    ``Config(initialize_logging=...)`` and by name in config files (``initialize_logging = "json"``).

    Added in plugin API 1.1.
    """


@hookspec
def parsl_register_container_runtimes(register: Register) -> None:
    """Offer container runtimes (subclasses of ``parsl.containers.runtime.ContainerRuntime``).

    Added in plugin API 1.1.
    """


@hookspec
def parsl_register_sites(register: Register) -> None:
    """Offer site templates (subclasses of ``parsl.sites.Site``): named, parameterised configs, used
    as ``parsl.load(site="frontera", account="abc")`` and ``site = "frontera"`` in config files.

    Added in plugin API 1.1.
    """


@hookspec
def parsl_register_channels(register: Register) -> None:
    """Offer command-channel classes (subclasses of ``parsl.channels.base.Channel``).

    A provider runs its scheduler commands through its ``channel`` (``LocalChannel`` by default).

    Added in plugin API 1.1.
    """


@hookspec
def parsl_module_aliases() -> Mapping[str, str]:
    """Map Parsl module paths onto this plugin's modules.

    For example ``{"parsl.executors.high_throughput": "parsl_executor_htex"}`` makes
    ``import parsl.executors.high_throughput.errors`` import ``parsl_executor_htex.errors``.
    """


@hookspec
def parsl_cli_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add sub-commands to the ``parsl`` command line (for example ``parsl status``).

    Each parser added must set a ``handler`` default: ``parser.set_defaults(handler=fn)``, where
    ``fn(args) -> int`` returns the exit code.
    """


# -- monitor events: called by the DataFlowKernel --------------------------------------------


@hookspec
def parsl_workflow_start(dfk: DataFlowKernelView) -> None:
    """A DataFlowKernel has started (its run directory and executors exist)."""


@hookspec
def parsl_workflow_end(dfk: DataFlowKernelView) -> None:
    """A DataFlowKernel is cleaning up; every task it will run has reached a final state."""


@hookspec
def parsl_task_state(dfk: DataFlowKernelView, task_record: TaskRecord, state: States) -> None:
    """A task moved to ``state`` (a ``parsl.dataflow.states.States``).

    Called on every transition, from whichever thread made it; ``task_record['try_id']`` tells
    which try. Implementations must be quick and must not raise: a monitor never takes a workflow
    down (the DataFlowKernel logs and drops exceptions from monitors).
    """


@hookspec
def parsl_block_state(dfk: DataFlowKernelView, executor_label: str, block_id: str, job_id: object,
                      status: JobStatus) -> None:
    """A block of an executor changed state.

    ``job_id`` is the provider's job id for the block, as ``submit`` returned it (None before it
    is known).
    """


@hookspec
def parsl_transfer(dfk: DataFlowKernelView, transfer: Transfer) -> None:
    """A file was put on a site (or found there already): a ``parsl.data_provider.transfer_record.Transfer``.

    Called once per transfer by ``SiteStaging``, from the staging task's thread, when the copy
    is verified (or has failed). Added in 1.2.
    """


#: Hooks that observe a running workflow, in the order listed in the docs.
MONITOR_HOOKS: tuple[Callable[..., None], ...] = (
    parsl_workflow_start,
    parsl_workflow_end,
    parsl_task_state,
    parsl_block_state,
    parsl_transfer,
)
