"""The HighThroughputExecutor: pilot jobs of worker pools fed by an interchange over ZeroMQ.

``start`` creates CurveZMQ certificates (``encrypted=True``, the default), starts the
interchange (see ``interchange``) and fills the worker-pool launch command; the core's
``JobStatusPoller`` then launches ``init_blocks`` at once through the provider and scales with
the strategy. ``submit`` serializes the invocation once (the core's facade caches functions)
and sends it to the interchange from the caller's thread. A resource specification is checked
there (``validate_resource_spec``); its ``cores``/``memory``/``disk``/``running_time`` travel
with the task as a small fixed record that the interchange and the pool read without
deserializing anything (see ``wire.pack_resources``); tasks without one carry nothing extra.

Blocks are scaled in by holding their managers first (they finish nothing new and exit when
idle), then cancelling the job. A block whose job ended without its pool ever registering is
reported ``MISSING``, and the block error handler puts the job's stdout/stderr in the error.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
import shlex
import socket
import sys
from collections import defaultdict
from concurrent.futures import Future, InvalidStateError
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, List, Literal, Optional, Sequence, Tuple, Union, cast

import attrs

from parsl.channels.tunnel import TUNNEL_ADDRESS, open_tunnels
from parsl.data_provider.staging import Staging
from parsl.errors import ConfigurationError
from parsl.executors.errors import BadStateException, InvalidResourceSpecification, ScalingFailed
from parsl.executors.status_handling import BlockProviderExecutor
from parsl.jobs.states import TERMINAL_STATES, JobState, JobStatus
from parsl.plugins.settings import fspath, settings
from parsl.providers.base import ExecutionProvider
from parsl.serialize import pack_apply_message
from parsl_executor_htex import placement, wire
from parsl_executor_htex.manager_selector import ManagerSelector, RandomManagerSelector

if TYPE_CHECKING:
    from parsl_executor_htex.client import InterchangeClient

logger = logging.getLogger(__name__)

DEFAULT_LAUNCH_CMD = (
    "{python} -m parsl_executor_htex.process_worker_pool {debug} {max_workers_per_node} "
    "-a {addresses} -p {prefetch_capacity} -c {cores_per_worker} -m {mem_per_worker} "
    "--poll {poll_period} --port={worker_port} --cert_dir {cert_dir} --logdir={logdir} --logconf={logconf} "
    "--block_id={{block_id}} --hb_period={heartbeat_period} {address_probe_timeout_string} "
    "--hb_threshold={heartbeat_threshold} --drain_period={drain_period} "
    "--cpu-affinity {cpu_affinity} {enable_mpi_mode} --mpi-launcher={mpi_launcher} "
    "--available-accelerators {accelerators}"
)

#: Resource-specification keys the HighThroughputExecutor accepts: ``priority`` (lower first),
#: ``cores``, ``memory`` (MB) and ``disk`` (MB), reserved from a worker pool while the task runs,
#: and ``running_time`` (s), after which the task's worker is killed and the task fails.
RESOURCE_KEYS = frozenset({"priority", *wire.RESOURCE_NAMES})

ErrorHandler = Callable[[BlockProviderExecutor, Dict[str, JobStatus]], None]


def _candidate_addresses(loopback: str) -> list[str]:
    """Addresses a pool may reach this host at: its names and IPs, then the loopback address."""
    found: list[str] = []
    host = socket.gethostname()
    try:
        for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM):
            found.append(str(info[4][0]))
    except OSError:
        pass
    found.append(socket.getfqdn())
    found.append(loopback)
    return list(dict.fromkeys(a for a in found if a))


def _pools_stay_on_this_host(provider: Optional[ExecutionProvider]) -> bool:
    """Whether every worker pool of ``provider``'s blocks runs on this host (a LocalProvider that
    starts its command here, not through srun or mpiexec to other nodes)."""
    from parsl.launchers.launchers import SimpleLauncher, SingleNodeLauncher
    from parsl.providers.local.local import LocalProvider

    return (isinstance(provider, LocalProvider)
            and type(getattr(provider, "launcher", None)) in (SimpleLauncher, SingleNodeLauncher))


@settings
class HighThroughputExecutor(BlockProviderExecutor):
    """Parsl's HighThroughputExecutor: keywords, order and defaults as in Parsl 2026.10.26.

    ``address`` is where worker pools reach the interchange, the only address it binds. None:
    ``loopback_address`` when every pool runs on this host (a ``LocalProvider`` with the single-node
    or simple launcher), otherwise this host's names and addresses, binding all interfaces
    (CurveZMQ keeps strangers out); ``loopback_address`` (``'127.0.0.1'`` or ``'::1'``) is the
    address pools on this host use. ``encrypted`` (default True) turns CurveZMQ on for every
    socket. The interchange reaches this process through pipes, so ``interchange_port_range`` is
    accepted and unused. ``remote_monitoring_radio`` is accepted for compatibility (monitoring is
    a plugin).
    """

    label: str = "HighThroughputExecutor"
    provider: Optional[ExecutionProvider] = None
    launch_cmd: Optional[str] = None
    interchange_launch_cmd: Optional[Sequence[str]] = None
    address: Optional[str] = None
    loopback_address: str = "127.0.0.1"
    worker_port: Optional[int] = None
    worker_port_range: Optional[Tuple[int, int]] = (54000, 55000)
    interchange_port_range: Optional[Tuple[int, int]] = (55000, 56000)
    storage_access: Optional[List[Staging]] = None
    working_dir: Optional[str] = attrs.field(default=None, converter=fspath)
    worker_debug: bool = False
    cores_per_worker: float = 1.0
    mem_per_worker: Optional[float] = None
    max_workers_per_node: Optional[Union[int, float]] = None
    cpu_affinity: str = "none"
    available_accelerators: Union[int, Sequence[str]] = ()
    prefetch_capacity: int = 0
    heartbeat_threshold: float = 120
    heartbeat_period: float = 30
    drain_period: Optional[float] = None
    poll_period: int = 10
    address_probe_timeout: Optional[float] = None
    worker_logdir_root: Optional[str] = attrs.field(default=None, converter=fspath)
    manager_selector: ManagerSelector = attrs.field(factory=RandomManagerSelector)
    block_error_handler: Union[bool, ErrorHandler] = True
    encrypted: bool = True
    remote_monitoring_radio: Optional[Any] = None
    #: Reverse-forward the worker port through the provider's SSH channels: "auto" (workers try it
    #: after the direct addresses), True (workers use only the tunnel) or False.
    worker_tunnel: Union[bool, Literal["auto"]] = attrs.field(default="auto", kw_only=True)

    #: The MPIExecutor's: tasks carry their resource specification to a pool that starts MPI applications.
    enable_mpi_mode: ClassVar[bool] = False
    mpi_launcher: str = attrs.field(init=False, default="mpiexec", repr=False)

    def __attrs_post_init__(self) -> None:
        """Derive runtime state from the settings."""
        if self.provider is None:
            from parsl.providers.local.local import LocalProvider

            self.provider = LocalProvider()
        super().__attrs_post_init__()
        try:
            placement.validate_affinity(self.cpu_affinity)
        except ValueError as e:
            raise ConfigurationError(f"{type(self).__name__}.cpu_affinity: {e}") from None
        if isinstance(self.available_accelerators, int):
            self.available_accelerators = [str(i) for i in range(self.available_accelerators)]
        else:
            self.available_accelerators = [str(a) for a in self.available_accelerators]
        self._choose_addresses()
        self.cert_dir: Optional[str] = None
        self.logconf_path: Optional[str] = None  # the pickled log_config the pools read, once started
        self._client: Optional[InterchangeClient] = None
        # ``next`` on a count is atomic and sets no attribute: an attribute set on a settings class
        # runs its on-setattr checks, a few percent of a no-op task's cost in the workflow process
        self._task_ids = itertools.count()
        self._rejections: dict[str, str] = {}
        self._started = False

    def _accelerators(self) -> list[str]:
        """``available_accelerators``, which ``__attrs_post_init__`` turned into a list of names."""
        return cast("list[str]", self.available_accelerators)

    def _choose_addresses(self) -> None:
        """Where pools reach the interchange (``all_addresses``) and where it binds; again at start."""
        #: The address the interchange binds its worker port on (None: all interfaces).
        self._bind_address: Optional[str]
        if self.address:
            self.all_addresses, self._bind_address = [self.address], self.address
        elif _pools_stay_on_this_host(self.provider):
            self.all_addresses, self._bind_address = [self.loopback_address], self.loopback_address
        else:
            self.all_addresses, self._bind_address = _candidate_addresses(self.loopback_address), None

    def _compute_workers_per_node(self) -> Union[int, float]:
        cap = self.max_workers_per_node or float("inf")
        limits = [cap]
        mem_per_node = getattr(self.provider, "mem_per_node", None)
        cores_per_node = getattr(self.provider, "cores_per_node", None)
        if mem_per_node and self.mem_per_worker:
            limits.append(math.floor(mem_per_node / self.mem_per_worker))
        if cores_per_node:
            limits.append(math.floor(cores_per_node / self.cores_per_worker))
        if self.available_accelerators:
            limits.append(len(self._accelerators()))
        n = min(limits)
        return 1 if n == float("inf") else n

    # -- paths -------------------------------------------------------------------------------

    @property
    def logdir(self) -> str:
        return os.path.join(self.run_dir, self.label)

    @property
    def worker_logdir(self) -> str:
        return os.path.join(self.worker_logdir_root, self.label) if self.worker_logdir_root else self.logdir

    # -- start -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the interchange and compose the worker-pool launch command.

        Settings are read here, not at construction, so values assigned in between count.
        """
        from parsl_executor_htex.client import InterchangeClient

        self._choose_addresses()
        os.makedirs(self.logdir, exist_ok=True)
        if self.encrypted:
            from parsl_executor_htex.curvezmq import create_certificates

            self.cert_dir = create_certificates(self.logdir)
        self.logconf_path = None
        if self.log_config is not None:
            from parsl_executor_htex.logsetup import save_log_config

            self.logconf_path = save_log_config(self.log_config, self.logdir)
        self._client = InterchangeClient(logdir=self.logdir, tasks=self._tasks, on_event=self._on_event,
                                         on_lost=self._on_interchange_lost)
        config = {
            "interchange_address": self._bind_address, "worker_port": self.worker_port,
            "worker_port_range": self.worker_port_range, "heartbeat_threshold": self.heartbeat_threshold,
            "cert_dir": self.cert_dir, "manager_selector": self.manager_selector, "run_id": self.run_id,
            "logging_level": logging.DEBUG if self.worker_debug else logging.INFO, "log_config": self.log_config,
        }
        launch = list(self.interchange_launch_cmd or [sys.executable, "-m", "parsl_executor_htex.interchange"])
        try:
            self.worker_port = self._client.start(launch, config)
            self._open_worker_tunnels()  # a required tunnel that fails must not leave the interchange running
        except BaseException:
            self._client.close(timeout=2)
            raise
        self.launch_cmd = self._compose_launch_cmd()
        self._started = True
        logger.info("%s started: interchange pid %d, workers connect to port %d",
                    self.label, self._client.pid, self.worker_port)

    def _open_worker_tunnels(self) -> None:
        """Forward the worker port through the provider's channels, as ``worker_tunnel`` says."""
        if self.worker_tunnel is False:
            return
        port = cast(int, self.worker_port)  # set by start() before this is called
        if open_tunnels(self.provider, port, self._bind_address or self.loopback_address,
                        required=self.worker_tunnel is True):
            direct = [a for a in self.all_addresses if a != TUNNEL_ADDRESS and self.worker_tunnel == "auto"]
            self.all_addresses = [*direct, TUNNEL_ADDRESS]
        elif self.worker_tunnel is True:
            raise ConfigurationError(f"{type(self).__name__}.worker_tunnel=True: the provider has no channel that "
                                     f"forwards ports (use an SSHChannel)")

    def _compose_launch_cmd(self) -> str:
        cap = self.max_workers_per_node
        return (self.launch_cmd or DEFAULT_LAUNCH_CMD).format(
            python=shlex.quote(sys.executable),
            debug="--debug" if self.worker_debug else "",
            max_workers_per_node="" if not cap or cap == float("inf") else f"--max_workers_per_node={cap}",
            addresses=",".join(self.all_addresses), prefetch_capacity=self.prefetch_capacity,
            cores_per_worker=self.cores_per_worker, mem_per_worker=self.mem_per_worker,
            poll_period=self.poll_period, worker_port=self.worker_port,
            cert_dir=shlex.quote(self.cert_dir) if self.cert_dir else None,
            logdir=shlex.quote(self.worker_logdir),
            logconf=shlex.quote(self.logconf_path) if self.logconf_path else None,
            heartbeat_period=self.heartbeat_period, heartbeat_threshold=self.heartbeat_threshold,
            drain_period=self.drain_period,
            address_probe_timeout_string=(f"--address_probe_timeout={self.address_probe_timeout}"
                                          if self.address_probe_timeout else ""),
            cpu_affinity=shlex.quote(self.cpu_affinity),
            enable_mpi_mode="--enable_mpi_mode" if self.enable_mpi_mode else "",
            mpi_launcher=self.mpi_launcher, nodes_per_block=getattr(self.provider, "nodes_per_block", 1),
            accelerators=" ".join(map(shlex.quote, self._accelerators())),
        )

    def _get_launch_command(self, block_id: str) -> str:
        if not self._started or self.launch_cmd is None:
            raise ScalingFailed(self, "the executor has not been started (no launch command yet)")
        return self.launch_cmd.format(block_id=block_id)

    # -- tasks -------------------------------------------------------------------------------

    def validate_resource_spec(self, resource_specification: dict) -> None:
        """Raise ``InvalidResourceSpecification`` naming the key of an unknown key or a bad value.

        ``priority`` is any number; ``cores``, ``memory`` and ``disk`` are finite numbers >= 0;
        ``running_time`` is a finite number > 0.
        """
        invalid = set(resource_specification) - RESOURCE_KEYS
        if invalid:
            raise InvalidResourceSpecification(
                invalid, f"the HighThroughputExecutor accepts only {', '.join(sorted(RESOURCE_KEYS))}")
        for key, value in resource_specification.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
                raise InvalidResourceSpecification({key}, f"{key} must be a number, got {value!r}")
            if key == "priority":
                continue
            if math.isinf(value) or value < 0 or (key == "running_time" and value == 0):
                need = "> 0 (seconds)" if key == "running_time" else ">= 0"
                raise InvalidResourceSpecification({key}, f"{key} must be a finite number {need}, got {value!r}")

    def submit(self, func: Callable[..., Any], resource_specification: Dict[str, Any],
               *args: Any, **kwargs: Any) -> Future:
        """Send ``func(*args, **kwargs)`` to the interchange; return its future."""
        if self.bad_state_is_set:
            raise BadStateException(self, self.executor_exception or RuntimeError("bad state"))
        if self._client is None:
            raise ScalingFailed(self, "submit() called before start()")
        if resource_specification or self.enable_mpi_mode:
            spec = dict(resource_specification or {})
            self.validate_resource_spec(spec)
            ctx = json.dumps(spec).encode() if self.enable_mpi_mode else b""
            res = b"" if self.enable_mpi_mode else wire.pack_resources(spec)
            p = spec.get("priority")
            priority = float("inf") if p is None else float(p)
        else:
            ctx, res, priority = b"", b"", float("inf")
        buf = pack_apply_message(func, args, kwargs, buffer_threshold=1 << 20)
        task_id = next(self._task_ids)
        if res:
            return self._client.submit(task_id, buf, priority, ctx, res, getattr(func, "__name__", repr(func)))
        return self._client.submit(task_id, buf, priority, ctx)

    def outstanding(self) -> int:
        """Tasks submitted and not finished, counted on the submit side (no interchange round trip)."""
        return len(self._tasks)

    @property
    def workers_per_node(self) -> Union[int, float]:
        return self._compute_workers_per_node()

    # -- interchange events ------------------------------------------------------------------

    def _on_event(self, event: Dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "manager_joined":
            self.block_connected(str(event["block_id"]))
        elif kind == "manager_rejected":
            self._rejections[str(event["block_id"])] = event["message"]
            logger.error("%s: %s", self.label, event["message"])
        elif kind == "manager_lost":
            if event["task_ids"]:
                logger.warning("%s: manager %s on %s (block %s) lost %d tasks: %s", self.label,
                               event["manager_id"], event["hostname"], event["block_id"],
                               len(event["task_ids"]), event["reason"])
            if event.get("silent") and not event.get("block_managers_left"):
                self.block_lost(str(event["block_id"]),
                                f"its worker pool on {event['hostname']} was lost: {event['reason']}")

    def _on_interchange_lost(self, exc: BaseException) -> None:
        if not self._shutting_down:
            self.set_bad_state_and_fail_all(exc)

    @property
    def _shutting_down(self) -> bool:
        return getattr(self, "_closing", False)

    def connected_managers(self) -> List[Dict[str, Any]]:
        """What the interchange knows of each connected worker pool (none before ``start``)."""
        if self._client is None:
            return []
        managers: List[Dict[str, Any]] = self._client.command("managers")
        return managers

    def connected_managers_packages(self) -> Dict[str, Dict[str, str]]:
        """Manager id -> the distributions (name -> version) its Python has installed (none before ``start``)."""
        if self._client is None:
            return {}
        packages: Dict[str, Dict[str, str]] = self._client.command("managers_packages")
        return packages

    # -- block status and scaling ------------------------------------------------------------

    def status(self) -> Dict[str, JobStatus]:
        """The provider's status, with finished blocks that never connected rewritten to MISSING."""
        status = super().status()
        for block_id, js in status.items():
            if js.terminal and block_id not in self._connected_blocks and js.state != JobState.SCALED_IN:
                reason = self._rejections.get(block_id) or (
                    f"its worker pool never connected to the interchange at "
                    f"{', '.join(self.all_addresses)} port {self.worker_port}")
                status[block_id] = JobStatus(JobState.MISSING, f"block {block_id} ended ({js.status_name}) "
                                             f"and {reason}", js.exit_code, js.stdout_path, js.stderr_path)
        return status

    def scale_in(self, blocks: int, max_idletime: Optional[float] = None) -> List[str]:
        """Drain and cancel ``blocks`` blocks, longest idle first.

        With ``max_idletime``, only blocks whose managers have all been idle that long (and hold
        no task) are chosen. Chosen blocks' managers are held first, so they take no new task.
        """
        tasks: Dict[str, int] = defaultdict(int)
        idle: Dict[str, float] = {}
        for block_id, js in self._status.items():
            if js.state not in TERMINAL_STATES and block_id in self.blocks_to_job_id:
                idle[block_id] = float("inf")
        try:
            managers = self.connected_managers()
        except Exception as e:
            logger.warning("%s: cannot list managers for scale-in: %s", self.label, e)
            managers = []
        for m in managers:
            b = m["block_id"]
            if b in idle:
                tasks[b] += m["tasks"]
                idle[b] = min(idle[b], m["idle_duration"])
        order = sorted(idle, key=lambda b: (-idle[b], tasks[b]))
        if max_idletime is not None:
            order = [b for b in order if idle[b] > max_idletime and tasks[b] == 0]
        chosen = order[:blocks]
        client = self._client
        for block_id in chosen:
            if client is None:  # not started: no worker pool to hold
                break
            try:
                client.command("hold_block", block_id)
            except Exception as e:
                logger.info("%s: could not hold block %s before cancelling it: %s", self.label, block_id, e)
        if not chosen or self.provider is None:
            return []
        job_ids = [self.blocks_to_job_id[b] for b in chosen]
        cancelled = self.provider.cancel(job_ids)
        return [b for b, ok in zip(chosen, cancelled) if ok]

    # -- shutdown ----------------------------------------------------------------------------

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop the interchange and every block still running; fail tasks that did not finish."""
        self._closing = True
        if self._client is not None:
            self._client.close(timeout=timeout)
        live = [b for b, js in self._status.items() if not js.terminal and b in self.blocks_to_job_id]
        if live and self.provider is not None:
            try:
                self.provider.cancel([self.blocks_to_job_id[b] for b in live])
            except Exception as e:
                logger.warning("%s: cancelling blocks %s at shutdown failed: %s", self.label, live, e)
        leftover = [f for f in list(self._tasks.values()) if not f.done()]
        exc = BadStateException(self, RuntimeError("the executor was shut down before the task finished"))
        for fut in leftover:
            try:
                fut.set_exception(exc)
            except InvalidStateError:  # finished meanwhile
                pass
        self._tasks.clear()
