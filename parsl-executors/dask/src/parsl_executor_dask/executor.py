"""``DaskExecutor``: Parsl apps as tasks of a Dask cluster the user already runs (or a ``LocalCluster``).

Each Parsl try becomes one ``client.submit(func, *args, pure=False, **kwargs)``: never
deduplicated by Dask's key hashing, so a retry really runs again; the function itself is
submitted (not a wrapper made per call), so Dask's cache of pickled functions serves every call
of an app. Finished Dask futures are handed to one collector thread
(``collector``) that fetches results in batches with one ``gather`` per batch, as a direct Dask
user would, instead of one blocking round trip per task.

Scaling belongs to Dask: the executor is not a block executor, so Parsl's strategy never scales
it and cannot fight ``cluster.adapt()``; ``scale_out``/``scale_in`` forward explicit requests to
the cluster's ``scale``.
"""

from __future__ import annotations

import functools
import logging
import uuid
from concurrent.futures import Future
from typing import Any, Callable, Dict, List, Optional

import attrs

from parsl.data_provider.staging import Staging
from parsl.executors.base import ParslExecutor
from parsl.executors.engine import (
    EngineUnreachable,
    any_number,
    check_resource_spec,
    resource_amounts,
    unsatisfiable,
)
from parsl.executors.errors import InvalidResourceSpecification, ScalingFailed
from parsl.plugins.settings import settings
from parsl_executor_dask.collector import Collector

logger = logging.getLogger(__name__)

ENGINE = "Dask scheduler"

#: Resource-specification keys: ``priority`` (lower runs first, as in the HighThroughputExecutor)
#: and ``resources`` (Dask abstract resources, e.g. ``{"GPU": 1}``, that workers declare).
RESOURCE_VALIDATORS = {"priority": any_number, "resources": resource_amounts}


@settings
class DaskExecutor(ParslExecutor):
    """Run tasks on a Dask cluster: ``client``, else ``cluster``, else ``address``, else a new ``LocalCluster``.

    A ``client`` or ``cluster`` given by the user is left running at shutdown; a client or
    ``LocalCluster`` the executor made is closed. ``connect_timeout`` bounds connecting and
    closing (seconds).
    """

    label: str = "dask"
    address: Optional[str] = None
    client: Any = None
    cluster: Any = None
    n_workers: Optional[int] = None
    threads_per_worker: Optional[int] = 1
    connect_timeout: float = 10.0
    storage_access: Optional[List[Staging]] = None
    working_dir: Optional[str] = None

    _client: Any = attrs.field(init=False, default=None, repr=False)
    _own_client: bool = attrs.field(init=False, default=False, repr=False)
    _own_cluster: Any = attrs.field(init=False, default=None, repr=False)
    _collector: Optional[Collector] = attrs.field(init=False, default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        given = [k for k in ("address", "client", "cluster") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"DaskExecutor takes one of address, client or cluster, got {' and '.join(given)}")
        if self.connect_timeout <= 0:
            raise ValueError(f"connect_timeout must be > 0 seconds, got {self.connect_timeout!r}")

    @property
    def scheduler_address(self) -> str:
        """Where the scheduler is (or will be): for errors and logs."""
        if self._client is not None:
            return str(self._client.scheduler.address)
        return self.address or "a new LocalCluster"

    def start(self) -> None:
        """Connect to the scheduler (or start a LocalCluster); fail fast with ``EngineUnreachable``."""
        from distributed import Client, LocalCluster

        if self.client is not None:
            self._client = self.client
        else:
            try:
                if self.cluster is not None:
                    self._client = Client(self.cluster, timeout=self.connect_timeout, set_as_default=False)
                elif self.address is not None:
                    self._client = Client(self.address, timeout=self.connect_timeout, set_as_default=False)
                else:
                    self._own_cluster = LocalCluster(n_workers=self.n_workers, host="127.0.0.1",
                                                     threads_per_worker=self.threads_per_worker,
                                                     dashboard_address=None)
                    self._client = Client(self._own_cluster, timeout=self.connect_timeout, set_as_default=False)
            except (OSError, TimeoutError) as e:
                raise EngineUnreachable(self, ENGINE, self.scheduler_address, str(e)) from e
            self._own_client = True
        self._collector = Collector(self, self._client, self.connect_timeout)
        logger.info("%s: connected to the Dask scheduler at %s", self.label, self.scheduler_address)

    def submit(self, func: Callable[..., Any], resource_specification: Dict[str, Any],
               *args: Any, **kwargs: Any) -> Future:
        """Submit ``func(*args, **kwargs)`` as one Dask task; return a future for its outcome."""
        if self._collector is None:
            raise RuntimeError(f"DaskExecutor {self.label!r} has not been started")
        options: Dict[str, Any] = {}
        if resource_specification:
            options = self._dask_options(resource_specification)
        key = f"{getattr(func, '__name__', 'task')}-{uuid.uuid4().hex}"
        if kwargs.keys() & _submit_parameters():  # the task's keywords would be taken as Dask's options
            return self._collector.submit(functools.partial(func, *args, **kwargs), (), {}, key, options)
        return self._collector.submit(func, args, kwargs, key, options)

    def _dask_options(self, spec: Dict[str, Any]) -> Dict[str, Any]:
        check_resource_spec(spec, RESOURCE_VALIDATORS, "the DaskExecutor")
        options: Dict[str, Any] = {}
        if "priority" in spec:
            options["priority"] = -spec["priority"]  # Dask runs higher priorities first
        if spec.get("resources"):
            workers = self._client.scheduler_info(n_workers=-1)["workers"].values()
            problem = unsatisfiable(spec["resources"], [w.get("resources") or {} for w in workers])
            if problem:
                raise InvalidResourceSpecification(
                    {"resources"}, f"on the Dask scheduler at {self.scheduler_address} {problem}")
            options["resources"] = dict(spec["resources"])
        return options

    def scale_out(self, workers: int) -> None:
        """Ask the cluster for ``workers`` more workers (its ``scale``); connected by address there is none."""
        cluster = self._scalable_cluster()
        cluster.scale(_planned_workers(cluster) + workers)

    def scale_in(self, workers: int) -> None:
        """Ask the cluster to retire ``workers`` workers."""
        cluster = self._scalable_cluster()
        cluster.scale(max(0, _planned_workers(cluster) - workers))

    def _scalable_cluster(self) -> Any:
        cluster = self.cluster if self.cluster is not None else self._own_cluster
        if cluster is None and self._client is not None:
            cluster = getattr(self._client, "cluster", None)
        if cluster is None or not hasattr(cluster, "scale"):
            raise ScalingFailed(self, f"the Dask scheduler at {self.scheduler_address} has no cluster object to scale "
                                      "(scale the deployment that runs it instead)")
        return cluster

    def shutdown(self) -> None:
        """Fail unfinished tasks, then close what the executor made; bounded by ``connect_timeout``."""
        if self._collector is not None:
            self._collector.close()
        if self._own_client and self._client is not None:
            _close_quietly(self._client, self.connect_timeout, self.label)
        if self._own_cluster is not None:
            _close_quietly(self._own_cluster, self.connect_timeout, self.label)
            self._own_cluster = None

    def monitor_resources(self) -> bool:
        return True


def _planned_workers(cluster: Any) -> int:
    """Workers the cluster is asked for: its ``plan`` (a worker just requested may not run yet)."""
    plan = getattr(cluster, "plan", None)
    return len(plan) if plan is not None else len(cluster.workers)


@functools.cache
def _submit_parameters() -> frozenset:
    """The keywords ``Client.submit`` keeps for itself (``key``, ``resources``, ``pure``...)."""
    import inspect

    from distributed import Client

    return frozenset(inspect.signature(Client.submit).parameters) - {"self", "func", "args", "kwargs"}


def _close_quietly(closable: Any, timeout: float, label: str) -> None:
    """Close a client or cluster; a scheduler that already died must not make shutdown fail or hang."""
    try:
        closable.close(timeout=timeout)
    except Exception as e:
        logger.warning("%s: closing %s: %s", label, type(closable).__name__, e)
