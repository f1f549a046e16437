"""The core's objects as plugins see them: the types of hook and stager parameters.

Plugins are typed against these Protocols rather than against the ``DataFlowKernel`` and
``DataManager`` classes: a Protocol names what the core promises a plugin (a run's identity
and directory, its configuration and executors, a way to run a staging task) and nothing of
the dataflow's internals, which may change between releases without breaking a plugin. Every
member is read-only. The core's classes satisfy these Protocols; mypy checks it where the
core hands them to a plugin (``Monitor.start``, the stagers' ``stage_in``...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Protocol

if TYPE_CHECKING:
    from concurrent.futures import Future

    from parsl.app.futures import DataFuture
    from parsl.config import Config
    from parsl.data_provider.files import File
    from parsl.data_provider.replicas import ReplicaRegistry
    from parsl.data_provider.site_moves import Routes
    from parsl.data_provider.site_store import SiteStore
    from parsl.data_provider.transfer_record import Transfer
    from parsl.dataflow.futures import AppFuture
    from parsl.executors.base import ParslExecutor


class DataFlowKernelView(Protocol):
    """What a monitor or stager may read from the DataFlowKernel running a workflow."""

    @property
    def run_id(self) -> str:
        """This run's unique id (a UUID string), as written to monitoring databases."""

    @property
    def run_dir(self) -> str:
        """This run's own directory (``runinfo/000``), where plugins keep their files."""

    @property
    def config(self) -> Config:
        """The configuration the workflow was loaded with."""

    @property
    def executors(self) -> Mapping[str, ParslExecutor]:
        """The executors by label, including the core's internal one."""

    @property
    def workflow_name(self) -> str:
        """The workflow's name: the script's file name unless the user set one."""

    @property
    def workflow_version(self) -> str:
        """The workflow's version: the time it began unless the user set one."""


class DataManagerView(Protocol):
    """What a stager may use of the DataManager that hands it a file to stage."""

    @property
    def dfk(self) -> DataFlowKernelView:
        """The DataFlowKernel whose tasks' files are staged."""

    def submit_staging_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> AppFuture:
        """Run ``func(*args, **kwargs)`` as an internal task of the workflow; return its future."""

    def stage_in_task(self, file: File, parent_fut: Optional[Future[Any]], func: Callable[..., Any],
                      *args: Any) -> DataFuture:
        """Run ``func(*args, parent_fut=parent_fut, outputs=[file])`` as a staging task; ``file``'s future."""

    @property
    def replicas(self) -> ReplicaRegistry:
        """Where each file moved between sites lives (see ``SiteStaging``)."""

    @property
    def routes(self) -> Routes:
        """The pairs of sites found unable to reach each other."""

    def record_transfer(self, transfer: Transfer) -> None:
        """Keep a transfer and report it to monitors (``parsl_transfer``)."""

    def site_store(self, executor: str) -> SiteStore:
        """The data directory of the site of ``executor`` (which stages through ``SiteStaging``)."""
