"""What the Kubernetes provider raises, each carrying what the API server or the client said.

Hierarchy::

    ExecutionProviderException
    ├── KubernetesUnavailable   (no configuration, or the API server at its URL cannot be reached)
    └── KubernetesAPIError      (the API server answered with an error: its status, reason, message)
"""

from __future__ import annotations

import json
from typing import Any, Optional

from parsl.providers.errors import ExecutionProviderException


class KubernetesUnavailable(ExecutionProviderException):
    """No kubeconfig or in-cluster configuration, or the API server it names does not answer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class KubernetesAPIError(ExecutionProviderException):
    """The API server refused a request; ``message`` is the API's own (``Unauthorized``, a quota...)."""

    def __init__(self, action: str, status: Optional[int], reason: str, message: str):
        super().__init__(action, status, reason, message)
        self.action = action
        self.status = status
        self.reason = reason
        self.message = message

    @classmethod
    def from_api_exception(cls, action: str, error: Any) -> KubernetesAPIError:
        """Build from a ``kubernetes.client.ApiException``, reading the ``Status`` object in its body."""
        reason = str(getattr(error, "reason", "") or "")
        message = reason
        body = getattr(error, "body", None)
        try:
            status_object = json.loads(body) if body else {}
        except (TypeError, ValueError):
            status_object = {}
        if isinstance(status_object, dict):
            reason = str(status_object.get("reason") or reason)
            message = str(status_object.get("message") or message)
        elif body:
            message = str(body).strip()
        return cls(action, getattr(error, "status", None), reason, message)

    def __str__(self) -> str:
        code = f" (HTTP {self.status} {self.reason})" if self.status else ""
        return f"Kubernetes refused to {self.action}: {self.message}{code}"
