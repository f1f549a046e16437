"""The Compute API client, and its failures as ``CloudError`` with Google's HTTP status and reason."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from parsl.errors import ConfigurationError
from parsl.providers.cloud import CloudError

LABEL = "google_cloud"

#: What the provider's own credentials may do.
SCOPES = ["https://www.googleapis.com/auth/compute"]


def transport() -> Any:
    """The HTTP connection under the authorised client (tests answer some calls from recordings)."""
    import httplib2

    return httplib2.Http(timeout=60)


def client(key_file: str, version: str, api_endpoint: Optional[str]) -> Any:
    """A discovery client for Compute ``version``, authorised by the service-account ``key_file``."""
    try:
        import google_auth_httplib2
        from google.oauth2 import service_account
        from googleapiclient import discovery
    except ImportError as e:
        raise ConfigurationError("GoogleCloudProvider needs google-api-python-client: "
                                 "pip install parsl-provider-googlecloud") from e
    try:
        credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
            key_file, scopes=SCOPES)
    except (OSError, ValueError, KeyError) as e:
        raise ConfigurationError(f"GoogleCloudProvider key_file={key_file!r}: not a readable service-account "
                                 f"key ({type(e).__name__}: {e})") from e
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=transport())
    options = {"api_endpoint": api_endpoint} if api_endpoint else None
    try:
        return discovery.build("compute", version, http=http, client_options=options, static_discovery=True)
    except Exception as e:  # an unknown API version: the client names it
        raise ConfigurationError(f"GoogleCloudProvider google_version={version!r}: {e}") from e


def call(action: str, request: Any, resource: Optional[str] = None) -> Dict[str, Any]:
    """``request.execute()``; an API error or a refused token raise ``CloudError``."""
    from google.auth.exceptions import GoogleAuthError
    from googleapiclient.errors import HttpError

    try:
        return dict(request.execute())
    except HttpError as e:
        raise CloudError(LABEL, action, _code(e), _message(e), resource) from e
    except GoogleAuthError as e:
        raise CloudError(LABEL, action, type(e).__name__, str(e), resource) from e
    except OSError as e:  # refused connection, name lookup, timeout: say where we tried
        raise CloudError(LABEL, action, type(e).__name__, f"{e} (while requesting {request.uri})", resource) from e


def _error(e: Any) -> Dict[str, Any]:
    try:
        return dict(json.loads(e.content.decode())["error"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def _code(e: Any) -> str:
    error = _error(e)
    reasons = [r.get("reason") for r in error.get("errors") or [] if isinstance(r, dict)]
    status = error.get("status") or next(filter(None, reasons), None) or getattr(e.resp, "reason", "")
    return f"{e.resp.status} {status}".strip()


def _message(e: Any) -> str:
    return str(_error(e).get("message") or e.reason or e)
