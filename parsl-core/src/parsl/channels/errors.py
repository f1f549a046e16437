"""Errors raised by command channels; each names the host.

Hierarchy::

    ParslError
    └── ChannelError               (a channel could not do what was asked on ``hostname``)
        ├── HostUnreachable        (no connection: refused, timed out, no route, unknown name)
        ├── AuthenticationFailed   (the host refused our credentials)
        ├── TunnelError            (a port could not be forwarded, e.g. it is in use on the host)
        └── HostKeyError           (the host's key could not be verified)
            ├── UnknownHostKey     (no key is known for the host: add it to known_hosts or pin it)
            └── HostKeyChanged     (the host presents a key other than the one known for it)
"""

from __future__ import annotations

from parsl.errors import ParslError


class ChannelError(ParslError):
    """A channel could not do what was asked on ``hostname``; ``detail`` is what the tool said."""

    def __init__(self, hostname: str, reason: str, detail: str = ""):
        super().__init__(hostname, reason, detail)
        self.hostname = hostname
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:
        detail = f": {self.detail.strip()}" if self.detail.strip() else ""
        return f"{self.hostname}: {self.reason}{detail}"


class HostUnreachable(ChannelError):
    """No connection to the host could be made in time."""


class AuthenticationFailed(ChannelError):
    """The host refused every credential offered."""


class TunnelError(ChannelError):
    """A port could not be forwarded through the channel."""


class HostKeyError(ChannelError):
    """The host's key could not be verified, so nothing was sent to it."""


class UnknownHostKey(HostKeyError):
    """No key is known for the host."""


class HostKeyChanged(HostKeyError):
    """The host presents a key other than the one known (or pinned) for it."""
