"""The base class of every execution provider plugin."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Optional, Sequence

from parsl.jobs.states import JobStatus


class ExecutionProvider(metaclass=ABCMeta):
    """Obtains blocks of compute resources (jobs) for block-based executors.

    Concrete providers are ``@settings`` classes whose fields include ``init_blocks``,
    ``min_blocks``, ``max_blocks``, ``nodes_per_block`` and ``parallelism``. The DataFlowKernel
    sets ``script_dir`` (where submit scripts go) and calls ``start()`` before the executor starts.
    """

    script_dir: Optional[str] = None
    resources: dict
    init_blocks: int
    min_blocks: int
    max_blocks: int
    nodes_per_block: int
    parallelism: float
    cores_per_node: Optional[int] = None
    mem_per_node: Optional[float] = None

    def start(self) -> None:
        """Check that the resource manager can be reached, before the first block is asked for.

        Called by the DataFlowKernel as the executor is added, so a provider that cannot reach its
        cluster (no credentials, an unreachable server) makes ``parsl.load`` fail with the reason,
        instead of every block failing later. The default does nothing: a provider must still
        work if ``start`` was never called (an executor used without a DataFlowKernel).
        """
        return None

    @abstractmethod
    def submit(self, command: str, tasks_per_node: int, job_name: str = "parsl.auto") -> Any:
        """Submit ``command`` as one block and return its job id.

        A submission that fails raises ``parsl.providers.errors.SubmitException`` carrying what
        the scheduler said; it never returns a falsy job id silently.
        """

    @abstractmethod
    def status(self, job_ids: Sequence[Any]) -> Sequence[JobStatus]:
        """Return the status of each job in ``job_ids``, in the same order."""

    @abstractmethod
    def cancel(self, job_ids: Sequence[Any]) -> Sequence[bool]:
        """Cancel the jobs in ``job_ids``; return, per job, whether it was cancelled."""

    @property
    @abstractmethod
    def label(self) -> str:
        """A short name for the provider, used in logs and job names."""

    @property
    @abstractmethod
    def status_polling_interval(self) -> float:
        """Seconds between status polls of this provider's jobs."""
