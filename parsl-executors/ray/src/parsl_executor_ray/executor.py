"""``RayExecutor``: Parsl apps as Ray tasks (``ray.remote``), on a Ray cluster or a local ``ray.init()``.

Each Parsl try is one Ray task running ``func(*args, **kwargs)``, with the try's resource request
as ``.options(...)``. A function defined at a module's top level (every app, as a rule) gets a Ray
remote function of its own, made once and kept (the last ``FUNCTION_CACHE`` of them): Ray then
ships the function to its workers once, not pickled into every task. Other functions (lambdas,
closures made per call) go through one shared remote function that takes them as an argument, so
they cost no export each. Ray's ``ObjectRef.future()`` completes the Parsl future; Ray's own
failures (a worker that died, a cancelled task, an object lost) become ``EngineTaskFailed``, a
task's own exception keeps its type (Ray's ``RayTaskError`` is also an instance of the task's
exception class) and its remote traceback.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import Future
from typing import Any, Callable, Dict, List, Optional

import attrs

from parsl.data_provider.staging import Staging
from parsl.dataflow.lightfuture import LightFuture
from parsl.executors.base import ParslExecutor
from parsl.executors.engine import (
    EngineTaskFailed,
    EngineUnreachable,
    check_resource_spec,
    non_negative_number,
    resource_amounts,
    unsatisfiable,
)
from parsl.executors.errors import InvalidResourceSpecification
from parsl.plugins.settings import settings

logger = logging.getLogger(__name__)

ENGINE = "Ray cluster"

#: Resource-specification keys and what they become in Ray: ``num_cpus``, ``num_gpus``,
#: ``memory`` (MB, as in the HighThroughputExecutor; Ray counts bytes) and ``resources``
#: (Ray custom resources).
RESOURCE_VALIDATORS = {"num_cpus": non_negative_number, "num_gpus": non_negative_number,
                       "memory": non_negative_number, "resources": resource_amounts}
_RAY_NAMES = {"num_cpus": "CPU", "num_gpus": "GPU", "memory": "memory"}


#: How many functions keep a Ray remote function of their own.
FUNCTION_CACHE = 256


def _call(func: Callable[..., Any], args: Any, kwargs: Dict[str, Any]) -> Any:
    """Run the task; box its result, since Ray would treat a returned generator as a streaming task."""
    return (func(*args, **kwargs),)


def _calling(func: Callable[..., Any]) -> Callable[..., Any]:
    """``_call`` with ``func`` bound, for a remote function of its own. Arguments stay nested in one
    tuple and one dict (Ray does not resolve object references inside them, as with the shared
    one), and are left out when empty: each argument Ray ships costs a serialization."""

    def call(args: Any = (), kwargs: Optional[Dict[str, Any]] = None) -> Any:
        return _call(func, args, kwargs or {})

    call.__name__ = call.__qualname__ = getattr(func, "__name__", "call")
    return call


def _top_level(func: Callable[..., Any]) -> bool:
    """Whether ``func`` is a module-level function or method (one object for the whole run, worth a remote
    of its own); lambdas and functions made inside others have ``<`` in their qualified name."""
    qualname = getattr(func, "__qualname__", "")
    return bool(qualname) and "<" not in qualname


@settings
class RayExecutor(ParslExecutor):
    """Run tasks on Ray: connect to ``address`` (``"ray://host:10001"``, ``"auto"``...) or start Ray locally.

    A Ray already initialised in this process (by the user) is used as is and left running; a Ray
    the executor initialised is shut down with it. ``num_cpus`` sizes a local Ray only.
    ``init_kwargs`` are passed to ``ray.init``.
    """

    label: str = "ray"
    address: Optional[str] = None
    num_cpus: Optional[int] = None
    init_kwargs: Dict[str, Any] = attrs.field(factory=dict)
    storage_access: Optional[List[Staging]] = None
    working_dir: Optional[str] = None

    _remote: Any = attrs.field(init=False, default=None, repr=False)
    _remotes: OrderedDict[Callable[..., Any], Any] = attrs.field(init=False, factory=OrderedDict, repr=False)
    _owns_ray: bool = attrs.field(init=False, default=False, repr=False)
    _pending: Dict[Any, LightFuture] = attrs.field(init=False, factory=dict, repr=False)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, repr=False)
    _closed: bool = attrs.field(init=False, default=False, repr=False)

    @property
    def ray_address(self) -> str:
        return self.address or "a local Ray"

    def start(self) -> None:
        """Connect to (or start) Ray; a cluster that refuses the connection is ``EngineUnreachable``."""
        import ray

        if not ray.is_initialized():
            options = {"include_dashboard": False, **self.init_kwargs}
            if self.num_cpus is not None:
                options["num_cpus"] = self.num_cpus
            try:
                ray.init(address=self.address, **options)
            except (ConnectionError, TimeoutError, OSError) as e:
                raise EngineUnreachable(self, ENGINE, self.ray_address, str(e)) from e
            self._owns_ray = True
        self._remote = ray.remote(max_retries=0)(_call)  # retries are Parsl's (Config.retries)

    def submit(self, func: Callable[..., Any], resource_specification: Dict[str, Any],
               *args: Any, **kwargs: Any) -> Future:
        """Run ``func(*args, **kwargs)`` as one Ray task with the specification's resources."""
        if self._remote is None:
            raise RuntimeError(f"RayExecutor {self.label!r} has not been started")
        options = self._ray_options(resource_specification) if resource_specification else None
        fut = LightFuture()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"RayExecutor {self.label!r} has been shut down")
            own = self._remote_of(func)
            remote = own or self._remote
            if options:
                remote = remote.options(**options)
            if own:
                ref = remote.remote(*((args, kwargs) if kwargs else (args,) if args else ()))
            else:
                ref = remote.remote(func, args, kwargs)
            self._pending[ref] = fut
        ref.future().add_done_callback(lambda rf: self._resolve(ref, rf))
        return fut

    def _remote_of(self, func: Callable[..., Any]) -> Any:
        """``func``'s own remote function (made on first use; under ``_lock``), or None if it gets none."""
        if not _top_level(func):
            return None
        remote = self._remotes.pop(func, None)
        if remote is None:
            import ray

            remote = ray.remote(max_retries=0)(_calling(func))
            if len(self._remotes) >= FUNCTION_CACHE:
                self._remotes.popitem(last=False)
        self._remotes[func] = remote  # most recently used last
        return remote

    def _ray_options(self, spec: Dict[str, Any]) -> Dict[str, Any]:
        import ray

        check_resource_spec(spec, RESOURCE_VALIDATORS, "the RayExecutor")
        options = {k: v for k, v in spec.items() if k != "resources"}
        if "memory" in options:
            options["memory"] = int(options["memory"] * 1024 * 1024)
        if spec.get("resources"):
            options["resources"] = dict(spec["resources"])
        request = {_RAY_NAMES[k]: v for k, v in options.items() if k in _RAY_NAMES}
        request.update(options.get("resources", {}))
        problem = unsatisfiable(request, [n["Resources"] for n in ray.nodes() if n["Alive"]])
        if problem:
            raise InvalidResourceSpecification(set(spec), f"on the Ray cluster at {self.ray_address} {problem}")
        return options

    def _resolve(self, ref: Any, ray_future: Future) -> None:
        with self._lock:
            fut = self._pending.pop(ref, None)
        if fut is None:  # failed at shutdown already
            return
        try:
            fut.set_result(ray_future.result()[0])
        except BaseException as e:
            fut.set_exception(self._translate(e))

    def _translate(self, e: BaseException) -> BaseException:
        """The task's own exception as Ray raised it; Ray's failures, unserializable results: ``EngineTaskFailed``."""
        from ray.exceptions import RayTaskError

        if isinstance(e, RayTaskError) and _raised_by_the_task(e):
            return e
        reason = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        return EngineTaskFailed(self, ENGINE, self.ray_address, reason)

    def shutdown(self) -> None:
        """Cancel and fail unfinished tasks, then shut Ray down if the executor started it."""
        import ray

        with self._lock:
            self._closed = True
            left, self._pending = self._pending, {}
        for ref, fut in left.items():
            fut.set_exception(EngineTaskFailed(self, ENGINE, self.ray_address,
                                               "the executor shut down before the task finished"))
            try:
                ray.cancel(ref, force=True)
            except Exception as e:
                logger.warning("%s: cancelling a Ray task: %s", self.label, e)
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False


def _raised_by_the_task(e: Any) -> bool:
    """Whether a ``RayTaskError`` came from the task's code (its traceback passes through ``_call``).

    Ray reports its failure to serialize a result as a ``RayTaskError`` too, with a traceback
    that starts in Ray's own pickler.
    """
    return f"{__name__.replace('.', '/')}.py" in str(e)
