"""``ThreadPoolExecutor``: runs tasks on threads of the submitting process (the built-in executor)."""

from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures import Future
from typing import Any, Callable, Dict, List, Optional

import attrs

from parsl.data_provider.staging import Staging
from parsl.executors.base import ParslExecutor
from parsl.executors.errors import InvalidResourceSpecification
from parsl.plugins.settings import settings


@settings
class ThreadPoolExecutor(ParslExecutor):
    """A pool of ``max_threads`` threads. Tasks share the process: nothing is serialized.

    Resource specifications are not supported (``InvalidResourceSpecification``).
    """

    label: str = "threads"
    max_threads: Optional[int] = 2
    thread_name_prefix: Optional[str] = None
    storage_access: Optional[List[Staging]] = None
    working_dir: Optional[str] = None

    executor: Optional[cf.ThreadPoolExecutor] = attrs.field(init=False, default=None, repr=False)

    def start(self) -> None:
        prefix = self.thread_name_prefix or f"ThreadPoolExecutor-{self.label}"
        self.executor = cf.ThreadPoolExecutor(max_workers=self.max_threads, thread_name_prefix=prefix)

    def submit(self, func: Callable[..., Any], resource_specification: Dict[str, Any],
               *args: Any, **kwargs: Any) -> Future:
        if resource_specification:
            raise InvalidResourceSpecification(set(resource_specification),
                                               "Parsl resource specification is not supported in ThreadPool Executor.")
        if self.executor is None:
            raise RuntimeError(f"ThreadPoolExecutor {self.label!r} has not been started")
        return self.executor.submit(func, *args, **kwargs)

    def shutdown(self, block: bool = True) -> None:
        """Stop accepting tasks; with ``block``, wait for queued and running tasks to finish."""
        if self.executor is not None:
            self.executor.shutdown(wait=block)

    def monitor_resources(self) -> bool:
        """All tasks share this process: per-task resource monitoring means nothing here."""
        return False
