"""Globus Auth for Parsl: a native-app login whose refresh token is kept in a file.

``parsl globus login`` runs the interactive flow once; staging tasks then use the stored refresh
token and never prompt (a prompt inside a running workflow would hang it). Tokens are stored as
Parsl stores them, keyed by resource server, in ``~/.parsl/.globus.json`` (or
``$PARSL_GLOBUS_TOKEN_FILE``), readable only by the user.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Callable

from parsl.errors import ParslError

if TYPE_CHECKING:
    import globus_sdk

#: Parsl's native-app client registered with Globus Auth, and the scopes it asks for.
CLIENT_ID = "8b8060fd-610e-4a74-885e-1051c71ad473"
SCOPES = ("openid", "urn:globus:auth:scope:transfer.api.globus.org:all")
TRANSFER_RESOURCE_SERVER = "transfer.api.globus.org"


class GlobusAuthError(ParslError):
    """No usable Globus login: what to run to get one."""


def token_file() -> str:
    return os.environ.get("PARSL_GLOBUS_TOKEN_FILE") or os.path.join(os.path.expanduser("~"), ".parsl",
                                                                      ".globus.json")


def load_tokens() -> dict[str, Any]:
    """The stored tokens by resource server; an error saying how to log in if there are none."""
    path = token_file()
    try:
        with open(path) as f:
            tokens = json.load(f)
    except FileNotFoundError:
        raise GlobusAuthError(f"not logged in to Globus (no {path}): run `parsl globus login`") from None
    except (OSError, ValueError) as e:
        raise GlobusAuthError(f"cannot read Globus tokens from {path} ({e}): run `parsl globus login`") from None
    if TRANSFER_RESOURCE_SERVER not in tokens:
        raise GlobusAuthError(f"{path} holds no Globus Transfer token: run `parsl globus login`")
    return dict(tokens)


def save_tokens(tokens: dict[str, Any]) -> None:
    path = token_file()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        json.dump(tokens, f)
    os.replace(tmp, path)


def login(prompt: Callable[[str], str] = input, out: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the native-app flow: show the authorization URL, read the code, store the tokens."""
    import globus_sdk

    client = globus_sdk.NativeAppAuthClient(client_id=CLIENT_ID)
    client.oauth2_start_flow(requested_scopes=list(SCOPES), refresh_tokens=True)
    out(f"Please visit this URL to authorize Parsl to use Globus Transfer:\n\n  {client.oauth2_get_authorize_url()}\n")
    code = prompt("Enter the authorization code: ").strip()
    if not code:
        raise GlobusAuthError("no authorization code entered")
    try:
        response = client.oauth2_exchange_code_for_tokens(code)
    except globus_sdk.GlobusAPIError as e:
        raise GlobusAuthError(f"Globus Auth rejected the code: {e.http_status} {e.code}") from None
    tokens = dict(response.by_resource_server)
    if TRANSFER_RESOURCE_SERVER not in tokens:
        raise GlobusAuthError("Globus Auth returned no Globus Transfer token")
    save_tokens(tokens)
    return tokens


def logout() -> bool:
    """Forget the stored tokens; whether there were any."""
    try:
        os.unlink(token_file())
        return True
    except FileNotFoundError:
        return False


def transfer_authorizer() -> globus_sdk.RefreshTokenAuthorizer:
    """An authorizer for Globus Transfer that refreshes itself and stores refreshed tokens."""
    import globus_sdk

    tokens = load_tokens()
    transfer = tokens[TRANSFER_RESOURCE_SERVER]

    def on_refresh(response: globus_sdk.OAuthTokenResponse) -> None:
        save_tokens({**load_tokens(), **response.by_resource_server})

    return globus_sdk.RefreshTokenAuthorizer(
        transfer["refresh_token"], globus_sdk.NativeAppAuthClient(client_id=CLIENT_ID),
        access_token=transfer.get("access_token"), expires_at=transfer.get("expires_at_seconds"),
        on_refresh=on_refresh)
