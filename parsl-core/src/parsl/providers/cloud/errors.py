"""``CloudError``: a cloud API call that failed, with the cloud's own error code and message."""

from __future__ import annotations

from typing import Optional

from parsl.providers.errors import ExecutionProviderException


class CloudError(ExecutionProviderException):
    """A cloud refused or failed a request: ``code`` is the cloud's error code (``AuthFailure``,
    ``InvalidAMIID.NotFound``, HTTP ``404``...), ``message`` what it said, ``action`` what we asked."""

    def __init__(self, provider: str, action: str, code: str, message: str, resource: Optional[str] = None):
        super().__init__(provider, action, code, message, resource)
        self.provider = provider
        self.action = action
        self.code = code
        self.message = message
        self.resource = resource

    def __str__(self) -> str:
        target = f" ({self.resource})" if self.resource else ""
        return f"{self.provider}: {self.action}{target} failed: {self.code}: {self.message}"
