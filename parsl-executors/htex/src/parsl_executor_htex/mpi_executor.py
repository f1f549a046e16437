"""The MPIExecutor: a HighThroughputExecutor whose tasks launch multi-node MPI applications.

One worker pool runs on the first node of each block (the provider must use the
``SimpleLauncher``); each task names the nodes and ranks it needs in its resource specification
(``num_nodes``, ``ranks_per_node`` or ``num_ranks``, ``launcher_options``), waits until that
many of the block's nodes are free, and finds its launcher prefix in ``$PARSL_MPI_PREFIX``.
"""

from __future__ import annotations

from typing import Any, Optional

import attrs

from parsl.plugins.settings import SettingValueError, TypeCheckError, after, settings
from parsl.providers.cluster_provider import ClusterProvider
from parsl_executor_htex.executor import HighThroughputExecutor
from parsl_executor_htex.manager_selector import ManagerSelector, RandomManagerSelector
from parsl_executor_htex.mpi_prefix_composer import VALID_LAUNCHERS, fits_in_block, validate_resource_spec


@settings
class MPIExecutor(HighThroughputExecutor):
    """Parsl's MPIExecutor, in Parsl's order (``encrypted`` defaults to False there too).

    It takes the HighThroughputExecutor's keywords (``label``, ``provider``, ``address``,
    ``working_dir``, ``worker_debug``, the ports, heartbeats and ``encrypted``) except those that
    size or place workers on a node, which MPI applications manage themselves. Its own:

    - ``max_workers_per_block``: how many MPI tasks one block runs at once (default 1);
    - ``mpi_launcher``: ``"mpiexec"`` (default), ``"srun"`` or ``"aprun"``, the launcher whose
      prefix each task finds in ``$PARSL_MPI_PREFIX``.
    """

    label: str = "MPIExecutor"
    max_workers_per_block: int = after("worker_debug", default=1)
    mpi_launcher: str = after("worker_logdir_root", default="mpiexec")
    encrypted: bool = False

    enable_mpi_mode = True
    cores_per_worker: float = attrs.field(init=False, default=1e-9, repr=False)
    mem_per_worker: Optional[float] = attrs.field(init=False, default=None, repr=False)
    max_workers_per_node: Optional[int] = attrs.field(init=False, default=None, repr=False)
    cpu_affinity: str = attrs.field(init=False, default="none", repr=False)
    available_accelerators: Any = attrs.field(init=False, factory=list, repr=False)
    manager_selector: ManagerSelector = attrs.field(init=False, factory=RandomManagerSelector, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.mpi_launcher not in VALID_LAUNCHERS:
            raise SettingValueError(f"MPIExecutor.mpi_launcher: {self.mpi_launcher!r} is not one of "
                                    f"{', '.join(VALID_LAUNCHERS)}")
        self.max_workers_per_node = self.max_workers_per_block
        super().__attrs_post_init__()
        from parsl.launchers.launchers import SimpleLauncher

        if not isinstance(getattr(self.provider, "launcher", None), SimpleLauncher):
            raise TypeCheckError("MPIExecutor needs a provider with launcher=SimpleLauncher() "
                                 "(one worker pool per block, which starts MPI applications itself)")

    def validate_resource_spec(self, resource_specification: dict) -> None:
        """Check the MPI keys, then that the task fits in one block of a batch-scheduler provider.

        A block of a scheduler's provider is a job of ``nodes_per_block`` nodes: a task needing
        more nodes, or more ranks per node than the provider's ``cores_per_node`` (when declared),
        could never start, so it fails here, at submit, instead of waiting in a worker pool for
        nodes that do not exist. Other providers (``LocalProvider`` inside an allocation) leave the
        node count to the pool, which finds the nodes of the job it runs in.
        """
        validate_resource_spec(resource_specification, extra_keys=frozenset({"priority"}))
        if isinstance(self.provider, ClusterProvider):
            fits_in_block(resource_specification, self.provider.nodes_per_block,
                          getattr(self.provider, "cores_per_node", None))

    def monitor_resources(self) -> bool:
        """Per-task resource monitoring cannot see MPI ranks on other nodes."""
        return False

