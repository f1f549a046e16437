"""``CloudProvider``: blocks as cloud instances, for every cloud plugin.

A subclass is a ``@settings`` class declaring Parsl's keywords for its cloud, and implements:

* ``_connect(state)``: build the (lazily imported) client and any network set-up, restoring what
  ``state`` (the state file's content) names; return the keys to keep in the state file.
* ``_create_instance(name, script)``: start one instance running ``script`` at boot; return its id.
* ``_instance_states(ids)``: the cloud's state of each instance it still knows.
* ``_terminate_instances(ids)``: terminate them; return the error of each it could not terminate.
* ``state_table``: the cloud's state names mapped to ``JobState``.

The hooks raise :class:`CloudError` with the cloud's error code. Attributes the base reads, with
defaults for clouds whose Parsl provider lacks them: ``worker_init``, ``walltime``, ``linger``,
``state_file``, ``launcher``, ``nodes_per_block``.
"""

from __future__ import annotations

import logging
import time
from abc import abstractmethod
from typing import Any, ClassVar, Dict, List, Mapping, NamedTuple, Optional, Sequence

from parsl.jobs.states import JobState, JobStatus
from parsl.launchers.base import Launcher
from parsl.providers.base import ExecutionProvider
from parsl.providers.cloud.errors import CloudError
from parsl.providers.cloud.script import startup_script, walltime_seconds
from parsl.providers.cloud.state import StateFile
from parsl.providers.errors import SubmitException

logger = logging.getLogger(__name__)


class InstanceState(NamedTuple):
    """An instance's state as its cloud names it (``running``, ``TERMINATED``...), and why, if said."""

    name: str
    reason: Optional[str] = None


class CloudProvider(ExecutionProvider):
    """Blocks are instances; the job id is the instance id. See the module docstring for the hooks."""

    #: The cloud's instance state names -> JobState; names not listed are ``UNKNOWN``.
    state_table: ClassVar[Mapping[str, JobState]]
    #: States of an instance whose machine shut itself down but which the cloud keeps (Azure's
    #: stopped VMs are still billed, Nova's SHUTOFF servers hold quota): the block is over, so such
    #: instances are terminated when a poll sees them, unless ``linger``.
    shutdown_states: ClassVar[frozenset[str]] = frozenset()
    #: Seconds between status polls (Parsl's cloud providers poll every minute); instances may lower it.
    polling_interval: ClassVar[float] = 60

    launcher: Launcher
    worker_init: str = ""
    walltime: Optional[str] = None
    linger: bool = False
    state_file: Optional[str] = None

    def __attrs_post_init__(self) -> None:
        walltime_seconds(self.walltime)  # a malformed walltime fails at construction, naming it
        self.script_dir: Optional[str] = None
        self.resources: Dict[str, Dict[str, Any]] = {}
        self._cancelled: set[str] = set()
        self._ended: Dict[str, JobStatus] = {}
        self._state = StateFile(self.state_file)
        self._saved = self._state.read()
        #: Instances a previous run recorded in the state file; ``cleanup_previous()`` ends them.
        self.previous_instances: List[str] = [i for i in self._saved.get("instances", []) if isinstance(i, str)]
        self._infrastructure: Optional[Dict[str, Any]] = None

    def start(self) -> None:
        """Connect (credentials, network set-up), so that ``parsl.load`` fails with the cloud's reason.

        Not at construction, unlike Parsl: checking or dumping a config file must neither need
        credentials nor create a VPC. Every other call connects first if ``start`` was not called.
        """
        self._connected()

    def _connected(self) -> Dict[str, Any]:
        """The saved network set-up, connecting first (the DataFlowKernel calls ``start`` before
        any other thread uses the provider, so this needs no lock)."""
        if self._infrastructure is None:
            self._infrastructure = self._connect(self._saved)
            self._save_state()
        return self._infrastructure

    # -- the hooks each cloud implements -------------------------------------------------------

    @abstractmethod
    def _connect(self, state: Mapping[str, Any]) -> Dict[str, Any]:
        """Connect, and set up or restore (from ``state``) the network; return what to save."""

    @abstractmethod
    def _create_instance(self, name: str, script: str) -> str:
        """Start one instance named ``name`` whose boot runs ``script``; return its id."""

    @abstractmethod
    def _instance_states(self, ids: Sequence[str]) -> Mapping[str, InstanceState]:
        """The state of each of ``ids`` the cloud still knows (those it forgot are left out)."""

    @abstractmethod
    def _terminate_instances(self, ids: Sequence[str]) -> Mapping[str, str]:
        """Terminate ``ids``; return ``{id: why}`` for each one that could not be terminated."""

    # -- ExecutionProvider ---------------------------------------------------------------------

    @property
    def status_polling_interval(self) -> float:
        return self.polling_interval

    def submit(self, command: str, tasks_per_node: int, job_name: str = "parsl.cloud") -> str:
        """Start one instance whose start-up script runs ``command`` through the launcher."""
        name = f"{job_name}.{time.time():.6f}"
        body = self.launcher(command, tasks_per_node, self.nodes_per_block, self.script_dir or "")
        script = startup_script(body, self.worker_init, name, self.walltime, self.linger)
        self._connected()
        try:
            instance_id = self._create_instance(name, script)
        except CloudError as e:
            raise SubmitException(name, str(e)) from e
        self.resources[instance_id] = {"job_id": instance_id, "name": name, "status": JobStatus(JobState.PENDING)}
        self._save_state()
        logger.info("%s: started instance %s for block %s", self.label, instance_id, name)
        return instance_id

    def status(self, job_ids: Sequence[Any]) -> List[JobStatus]:
        ids = [str(j) for j in job_ids]
        if ids:
            self._connected()
        states = self._instance_states(ids) if ids else {}
        statuses = []
        for instance_id in ids:
            status = self._job_status(instance_id, states.get(instance_id))
            if instance_id in self.resources:
                self.resources[instance_id]["status"] = status
            statuses.append(status)
        shut_down = [i for i in ids if i in self.resources and getattr(states.get(i), "name", None) in
                     self.shutdown_states]
        if shut_down and not self.linger:
            self._terminate_shut_down(shut_down)
        return statuses

    def _terminate_shut_down(self, ids: List[str]) -> None:
        """Terminate instances whose block ended with the machine's shutdown; keep their last status."""
        failed = self._terminate_instances(ids)
        for instance_id, why in failed.items():
            logger.error("%s: instance %s shut down but was not terminated (%s); it stays in the state file %s",
                         self.label, instance_id, why, self._state.path)
        for instance_id in ids:
            if instance_id not in failed:
                self._ended[instance_id] = self.resources.pop(instance_id)["status"]
                logger.info("%s: instance %s shut down at the end of its block and was terminated",
                            self.label, instance_id)
        self._save_state()

    def _job_status(self, instance_id: str, state: Optional[InstanceState]) -> JobStatus:
        if state is None:  # a cloud may forget an instance as soon as it is deleted
            if instance_id in self._cancelled:
                return JobStatus(JobState.CANCELLED, f"instance {instance_id} was deleted")
            if instance_id in self._ended:
                return self._ended[instance_id]
            return JobStatus(JobState.MISSING, f"{self.label}: instance {instance_id} is unknown to the cloud")
        job_state = self.state_table.get(state.name, JobState.UNKNOWN)
        if instance_id in self._cancelled and job_state in (JobState.COMPLETED, JobState.PENDING, JobState.RUNNING):
            job_state = JobState.CANCELLED
        message = f"instance {instance_id} is {state.name}" + (f": {state.reason}" if state.reason else "")
        return JobStatus(job_state, message)

    def cancel(self, job_ids: Sequence[Any]) -> List[bool]:
        """Terminate the instances; one that could not be terminated is named in an error log line,
        stays in the state file, and is reported ``False``. With ``linger`` nothing is terminated."""
        ids = [str(j) for j in job_ids]
        if self.linger:
            logger.warning("%s: linger is set, so instances %s are left running", self.label, ids)
            return [False] * len(ids)
        if ids:
            self._connected()
        failed = self._terminate_instances(ids) if ids else {}
        for instance_id, why in failed.items():
            logger.error("%s: instance %s was not terminated and may still be running (%s); it stays in "
                         "the state file %s", self.label, instance_id, why, self._state.path)
        done = [i for i in ids if i not in failed]
        self._cancelled.update(done)
        for instance_id in done:
            self.resources.pop(instance_id, None)
            if instance_id in self.previous_instances:
                self.previous_instances.remove(instance_id)
        self._save_state()
        return [i not in failed for i in ids]

    def cleanup_previous(self) -> List[bool]:
        """Terminate the instances an earlier run recorded in the state file (see ``cancel``)."""
        return self.cancel(list(self.previous_instances))

    def _save_state(self) -> None:
        instances = list(dict.fromkeys([*self.previous_instances, *self.resources]))
        self._state.write({**self._connected(), "instances": instances})
