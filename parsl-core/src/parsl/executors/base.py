"""The base class of every executor plugin."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

if TYPE_CHECKING:
    from parsl.logconfigs.base import LogConfig


class ParslExecutor(metaclass=ABCMeta):
    """Runs app invocations and returns a future per invocation.

    Concrete executors are ``@settings`` classes whose fields are their keyword arguments. The
    DataFlowKernel sets ``run_dir`` and ``run_id`` (and ``provider.script_dir`` when there is a
    provider) before calling ``start``, then calls ``submit`` per task and ``shutdown`` once.

    ``label`` is required and unique within a Config; ``storage_access`` (a list of staging
    providers or None for the defaults) and ``working_dir`` are optional attributes.
    """

    label: str = "undefined"

    #: Set by the DataFlowKernel before ``start``.
    run_dir: str = "."
    run_id: Optional[str] = None
    #: ``Config.initialize_logging`` when it is a ``LogConfig`` (else ``None``): executors whose
    #: processes log on their own (an interchange, worker pools) set them up with it.
    log_config: Optional[LogConfig] = None

    def start(self) -> None:  # noqa: B027 -- optional: an executor with nothing to start keeps this
        """Start whatever the executor needs (threads, processes, blocks)."""

    @abstractmethod
    def submit(self, func: Callable[..., Any], resource_specification: Dict[str, Any],
               *args: Any, **kwargs: Any) -> Future:
        """Run ``func(*args, **kwargs)`` and return a future for its result.

        An executor that does not support resource specifications raises
        ``parsl.executors.errors.UnsupportedFeatureError`` when one is given.
        """

    @abstractmethod
    def shutdown(self) -> None:
        """Stop everything the executor started. Must return promptly and never hang."""

    def monitor_resources(self) -> bool:
        """Whether per-task resource monitoring makes sense on this executor."""
        return True

    def __enter__(self) -> ParslExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
