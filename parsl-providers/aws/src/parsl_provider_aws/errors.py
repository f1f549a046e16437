"""botocore's failures as ``CloudError`` with AWS's error code, so messages carry what AWS said."""

from __future__ import annotations

from typing import Any, Callable, Optional, TypeVar

from parsl.providers.cloud import CloudError

T = TypeVar("T")

LABEL = "ec2"


def aws_call(action: str, call: Callable[..., T], *args: Any, resource: Optional[str] = None, **kwargs: Any) -> T:
    """``call(*args, **kwargs)``; an AWS error, or missing credentials, raise ``CloudError``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call(*args, **kwargs)
    except ClientError as e:
        error = e.response.get("Error", {})
        raise CloudError(LABEL, action, error.get("Code", "Unknown"), error.get("Message", str(e)), resource) from e
    except BotoCoreError as e:  # no credentials, unreachable endpoint, bad region...
        raise CloudError(LABEL, action, type(e).__name__, str(e), resource) from e

