"""The MPIExecutor: a HighThroughputExecutor whose tasks launch multi-node MPI applications.

One worker pool runs on the first node of each block (the provider must use the
``SimpleLauncher``); each task names the nodes and ranks it needs in its resource specification
(``num_nodes``, ``ranks_per_node`` or ``num_ranks``, ``launcher_options``), waits until that
many of the block's nodes are free, and finds its launcher prefix in ``$PARSL_MPI_PREFIX``.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple, Union

import attrs

from parsl.data_provider.staging import Staging
from parsl.errors import ConfigurationError
from parsl.plugins.settings import settings
from parsl.providers.base import ExecutionProvider
from parsl_executor_htex.executor import ErrorHandler, HighThroughputExecutor, HighThroughputExecutorBase
from parsl_executor_htex.manager_selector import ManagerSelector, RandomManagerSelector
from parsl_executor_htex.mpi_prefix_composer import VALID_LAUNCHERS, validate_resource_spec


@settings
class MPIExecutor(HighThroughputExecutorBase):
    """Parsl's MPIExecutor: its keywords, order and defaults (``encrypted`` defaults to False there too)."""

    label: str = "MPIExecutor"
    provider: Optional[ExecutionProvider] = None
    launch_cmd: Optional[str] = None
    interchange_launch_cmd: Optional[Sequence[str]] = None
    address: Optional[str] = None
    loopback_address: str = "127.0.0.1"
    worker_port: Optional[int] = None
    worker_port_range: Optional[Tuple[int, int]] = (54000, 55000)
    interchange_port_range: Optional[Tuple[int, int]] = (55000, 56000)
    storage_access: Optional[List[Staging]] = None
    working_dir: Optional[str] = None
    worker_debug: bool = False
    max_workers_per_block: int = 1
    prefetch_capacity: int = 0
    heartbeat_threshold: float = 120
    heartbeat_period: float = 30
    drain_period: Optional[float] = None
    poll_period: int = 10
    address_probe_timeout: Optional[float] = None
    worker_logdir_root: Optional[str] = None
    mpi_launcher: str = "mpiexec"
    block_error_handler: Union[bool, ErrorHandler] = True
    encrypted: bool = False
    remote_monitoring_radio: Optional[Any] = None

    enable_mpi_mode = True
    cores_per_worker: float = attrs.field(init=False, default=1e-9, repr=False)
    mem_per_worker: Optional[float] = attrs.field(init=False, default=None, repr=False)
    cpu_affinity: str = attrs.field(init=False, default="none", repr=False)
    available_accelerators: Any = attrs.field(init=False, factory=list, repr=False)
    manager_selector: ManagerSelector = attrs.field(init=False, factory=RandomManagerSelector, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.mpi_launcher not in VALID_LAUNCHERS:
            raise ConfigurationError(f"MPIExecutor.mpi_launcher: {self.mpi_launcher!r} is not one of "
                                     f"{', '.join(VALID_LAUNCHERS)}")
        self.max_workers_per_node = self.max_workers_per_block
        self._setup()
        from parsl.launchers.launchers import SimpleLauncher

        if not isinstance(getattr(self.provider, "launcher", None), SimpleLauncher):
            raise ConfigurationError("MPIExecutor needs a provider with launcher=SimpleLauncher() "
                                     "(one worker pool per block, which starts MPI applications itself)")

    def validate_resource_spec(self, resource_specification: dict) -> None:
        validate_resource_spec(resource_specification, extra_keys=frozenset({"priority"}))

    def monitor_resources(self) -> bool:
        """Per-task resource monitoring cannot see MPI ranks on other nodes."""
        return False


# MPIExecutor keeps its own keyword list (Parsl's), yet is a HighThroughputExecutor to isinstance().
HighThroughputExecutor.register(MPIExecutor)
