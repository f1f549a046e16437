"""The pod a block runs in, as the JSON object the API server receives (no client classes needed).

Labels mark every pod of ours: ``parsl-job-id`` (Parsl's label, the job id), the provider
instance that made it (``parsl-provider-id``, so one provider lists only its own pods in one
call) and ``app.kubernetes.io/managed-by: parsl``.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from parsl.utils import sanitize_dns_subdomain_rfc1123

logger = logging.getLogger(__name__)

JOB_LABEL = "parsl-job-id"
PROVIDER_LABEL = "parsl-provider-id"
MANAGED_BY = ("app.kubernetes.io/managed-by", "parsl")
#: Environment variable every worker pod gets: its own pod name (from the downward API).
POD_NAME_ENV = "PARSL_POD_NAME"
_NAME_LIMIT = 253


def pod_name_for(base: str, job_id: str) -> str:
    """``<base>.<job_id>``, ``base`` made a DNS subdomain and trimmed to leave room (Parsl's naming)."""
    try:
        name = sanitize_dns_subdomain_rfc1123(base)
    except ValueError:
        logger.warning("Pod name %r has no valid character left; using 'parsl.kube'", base)
        name = "parsl.kube"
    name = name[:_NAME_LIMIT - 1 - len(job_id)].rstrip(".-")
    return f"{name}.{job_id}"


def _resources(cpu: float, memory: str, extra: Optional[Mapping[str, str]]) -> Dict[str, str]:
    return {"cpu": str(cpu), "memory": memory, **(extra or {})}


def _security_context(user_id: Optional[str], group_id: Optional[str], non_root: bool) -> Optional[Dict[str, Any]]:
    context: Dict[str, Any] = {}
    if user_id:
        context["runAsUser"] = int(user_id)
    if group_id:
        context["runAsGroup"] = int(group_id)
    if non_root:
        context["runAsNonRoot"] = True
    return context or None


def pod_manifest(*, pod_name: str, job_id: str, provider_id: str, image: str, script: str,
                 requests: Tuple[float, str, Optional[Mapping[str, str]]],
                 limits: Tuple[float, str, Optional[Mapping[str, str]]],
                 user_id: Optional[str] = None, group_id: Optional[str] = None, run_as_non_root: bool = False,
                 secret: Optional[str] = None, persistent_volumes: Sequence[Tuple[str, str]] = (),
                 service_account_name: Optional[str] = None,
                 annotations: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """The pod object for one block: one container running ``script`` with ``/bin/bash -c``.

    ``requests`` and ``limits`` are ``(cpu, memory, extra)``. The pod is never restarted
    (``restartPolicy: Never``): a block whose workers exit has ended, and its exit code is
    what the provider reports.
    """
    container: Dict[str, Any] = {
        "name": job_id,
        "image": image,
        "command": ["/bin/bash"],
        "args": ["-c", script],
        "env": [{"name": POD_NAME_ENV, "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": {"requests": _resources(*requests), "limits": _resources(*limits)},
    }
    if persistent_volumes:
        container["volumeMounts"] = [{"name": claim, "mountPath": path} for claim, path in persistent_volumes]
    security = _security_context(user_id, group_id, run_as_non_root)
    if security:
        container["securityContext"] = security
    spec: Dict[str, Any] = {"containers": [container], "restartPolicy": "Never"}
    if persistent_volumes:
        spec["volumes"] = [{"name": claim, "persistentVolumeClaim": {"claimName": claim}}
                           for claim, _ in persistent_volumes]
    if secret:
        spec["imagePullSecrets"] = [{"name": secret}]
    if service_account_name:
        spec["serviceAccountName"] = service_account_name
    metadata: Dict[str, Any] = {
        "name": pod_name,
        "labels": {JOB_LABEL: job_id, PROVIDER_LABEL: provider_id, MANAGED_BY[0]: MANAGED_BY[1]},
    }
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}

