"""``KubernetesProvider``: each block is one pod; Parsl's keywords, order and defaults.

A block's job id is the 8-character id in its pod's name and ``parsl-job-id`` label. Status
comes from one list call per poll (the pods labelled with this provider's id); a pod that has
ended is read (exit code, log) and then deleted, so finished blocks leave nothing behind.
Cancelling deletes the pod. See the distribution's README for what is tested against a real
API server.
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any, ClassVar, Dict, List, Optional, Sequence, Tuple

import attrs

from parsl.jobs.states import JobState, JobStatus
from parsl.plugins.settings import settings
from parsl.providers.base import ExecutionProvider
from parsl.providers.errors import SubmitException
from parsl_provider_kubernetes.connection import REQUEST_TIMEOUT, connect
from parsl_provider_kubernetes.errors import KubernetesAPIError, KubernetesUnavailable
from parsl_provider_kubernetes.manifest import PROVIDER_LABEL, pod_manifest, pod_name_for
from parsl_provider_kubernetes.phases import pod_outcome
from parsl_provider_kubernetes.template import template_string

logger = logging.getLogger(__name__)

#: Lines of an ended pod's log that its block's failure message quotes.
LOG_TAIL_LINES = 20
#: Lines of an ended pod's log kept in its log file (the block's stdout and stderr).
LOG_FILE_LINES = 5000


@attrs.define(eq=False)
class _Pod:
    name: str
    status: JobStatus
    cancelled: bool = False


@settings
class KubernetesProvider(ExecutionProvider):
    """Blocks of workers as Kubernetes pods, through the official ``kubernetes`` client."""

    image: str
    namespace: str = "default"
    nodes_per_block: int = 1
    init_blocks: int = 4
    min_blocks: int = 0
    max_blocks: int = 10
    max_cpu: float = 2
    max_mem: str = "500Mi"
    init_cpu: float = 1
    init_mem: str = "250Mi"
    extra_requests: Optional[Dict[str, str]] = None
    extra_limits: Optional[Dict[str, str]] = None
    parallelism: float = 1
    worker_init: str = ""
    pod_name: Optional[str] = None
    user_id: Optional[str] = None
    group_id: Optional[str] = None
    run_as_non_root: bool = False
    secret: Optional[str] = None
    persistent_volumes: List[Tuple[str, str]] = attrs.field(factory=list)
    service_account_name: Optional[str] = None
    annotations: Optional[Dict[str, str]] = None

    #: Seconds between status polls (Parsl's value; an instance may set a shorter one).
    polling_interval: ClassVar[float] = 60

    def __attrs_post_init__(self) -> None:
        self.script_dir = None
        self.resources: Dict[str, _Pod] = {}
        #: Labels every pod of this provider (``parsl-provider-id``), to list them in one call.
        self.provider_id = uuid.uuid4().hex[:12]
        self._core: Any = None

    @property
    def label(self) -> str:
        return "kubernetes"

    @property
    def status_polling_interval(self) -> float:
        return self.polling_interval

    @property
    def kube_client(self) -> Any:
        """The ``CoreV1Api`` (Parsl's attribute name), connected on first use."""
        if self._core is None:
            self._core = connect(self.namespace)
        return self._core

    def start(self) -> None:
        """Connect now, so that ``parsl.load`` fails naming the kubeconfig or URL that did not work."""
        _ = self.kube_client

    # -- blocks ---------------------------------------------------------------------------------

    def submit(self, cmd_string: str, tasks_per_node: int, job_name: str = "parsl.kube") -> str:
        """Create the block's pod and return its job id; a refusal raises with the API's message.

        ``cmd_string`` is Parsl's name for this provider's launch command (other providers: ``command``).
        """
        job_id = uuid.uuid4().hex[:8]
        name = pod_name_for(self.pod_name or job_name, job_id)
        body = pod_manifest(
            pod_name=name, job_id=job_id, provider_id=self.provider_id, image=self.image,
            script=template_string.format(command=cmd_string, worker_init=self.worker_init),
            requests=(self.init_cpu, self.init_mem, self.extra_requests),
            limits=(self.max_cpu, self.max_mem, self.extra_limits),
            user_id=self.user_id, group_id=self.group_id, run_as_non_root=self.run_as_non_root,
            secret=self.secret, persistent_volumes=self.persistent_volumes,
            service_account_name=self.service_account_name, annotations=self.annotations)
        try:
            self._call(f"create pod {name} in namespace {self.namespace!r}",
                       self.kube_client.create_namespaced_pod, self.namespace, body)
        except (KubernetesAPIError, KubernetesUnavailable) as e:
            detail = getattr(e, "message", str(e))
            raise SubmitException(job_name, str(e), stderr=detail) from e
        logger.debug("Created pod %s/%s for block %s", self.namespace, name, job_name)
        self.resources[job_id] = _Pod(name, JobStatus(JobState.PENDING))
        return job_id

    def status(self, job_ids: Sequence[Any]) -> List[JobStatus]:
        """The status of each job; live pods are read in one list call, ended ones are deleted."""
        live = [self.resources[str(j)] for j in job_ids if str(j) in self.resources]
        live = [p for p in live if not p.status.terminal]
        if live:
            self._refresh(live)
        return [self._known(str(j)) for j in job_ids]

    def _known(self, job_id: str) -> JobStatus:
        pod = self.resources.get(job_id)
        if pod is None:
            return JobStatus(JobState.MISSING, f"job {job_id} was not submitted by this KubernetesProvider")
        return pod.status

    def _refresh(self, live: List[_Pod]) -> None:
        try:
            listed = self._call(f"list pods in namespace {self.namespace!r}", self.kube_client.list_namespaced_pod,
                                self.namespace, label_selector=f"{PROVIDER_LABEL}={self.provider_id}")
        except (KubernetesAPIError, KubernetesUnavailable) as e:
            logger.warning("Cannot poll pods, keeping their last known states: %s", e)
            return
        pods = {p.metadata.name: p for p in listed.items}
        for record in live:
            found = pods.get(record.name)
            if found is None:
                record.status = JobStatus(JobState.MISSING, f"pod {self.namespace}/{record.name} no longer exists")
            elif found.metadata.deletion_timestamp is None:
                self._update(record, found)

    def _update(self, record: _Pod, pod: Any) -> None:
        outcome = pod_outcome(pod)
        if outcome.state not in (JobState.COMPLETED, JobState.FAILED):
            record.status = JobStatus(outcome.state, outcome.message)
            return
        log_path = self._save_log(record, pod) if outcome.ran else None
        message = outcome.message
        if outcome.state == JobState.FAILED:
            message = f"pod {self.namespace}/{record.name} failed: {outcome.message or 'no reason given'}"
            if log_path:
                message += f"; last lines of its log:\n{_tail(log_path, LOG_TAIL_LINES)}"
        record.status = JobStatus(outcome.state, message, exit_code=outcome.exit_code,
                                  stdout_path=log_path, stderr_path=log_path)
        self._delete(record)

    def _save_log(self, record: _Pod, pod: Any) -> Optional[str]:
        """Write the pod's log (stdout and stderr, interleaved) next to the submit scripts."""
        container = pod.spec.containers[0].name
        try:
            text = self._call(f"read the log of pod {record.name}", self.kube_client.read_namespaced_pod_log,
                              record.name, self.namespace, container=container, tail_lines=LOG_FILE_LINES)
        except (KubernetesAPIError, KubernetesUnavailable) as e:
            text = f"(the pod's log could not be read: {e})\n"
        path = os.path.join(self.script_dir or ".", f"{record.name}.log")
        with open(path, "w") as f:
            f.write(text)
        return path

    def cancel(self, job_ids: Sequence[Any]) -> List[bool]:
        """Delete each job's pod; a pod that cannot be deleted is named in an error log and gets False."""
        results = []
        for job_id in job_ids:
            record = self.resources.get(str(job_id))
            if record is None or record.status.terminal:
                results.append(False)
                continue
            deleted = self._delete(record)
            if deleted:
                record.cancelled = True
                record.status = JobStatus(JobState.CANCELLED)
            results.append(deleted)
        return results

    def _delete(self, record: _Pod) -> bool:
        try:
            self._call(f"delete pod {record.name}", self.kube_client.delete_namespaced_pod, record.name,
                       self.namespace)
        except KubernetesAPIError as e:
            if e.status == 404:
                return True
            error: Exception = e
        except KubernetesUnavailable as e:
            error = e
        else:
            return True
        logger.error("Pod %s/%s was NOT deleted and may still be running: %s", self.namespace, record.name, error)
        return False

    def _call(self, action: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the API, turning its refusals into ``KubernetesAPIError`` and network failures
        into ``KubernetesUnavailable``, each saying what was being done."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            return method(*args, _request_timeout=REQUEST_TIMEOUT, **kwargs)
        except ApiException as e:
            raise KubernetesAPIError.from_api_exception(action, e) from e
        except (HTTPError, OSError) as e:
            host = self.kube_client.api_client.configuration.host
            raise KubernetesUnavailable(f"cannot {action}: the API server {host} did not answer: {e}") from e


def _tail(path: str, lines: int) -> str:
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:]).rstrip()
