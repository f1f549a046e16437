"""Reverse tunnels: workers on a provider's remote hosts reach a port on the submit side through SSH.

Used by executors whose workers connect back (HTEX's worker port): for every channel of the
provider that can forward, ``127.0.0.1:<port>`` on that host leads to the port here.
"""

from __future__ import annotations

from typing import Any, List

from parsl.channels.base import Channel

#: Where a tunnel ends on the remote host: workers there connect to this address.
TUNNEL_ADDRESS = "127.0.0.1"


def provider_channels(provider: Any) -> List[Channel]:
    """The channels a provider runs its blocks through (``channel``, or ``channels`` for ad-hoc hosts)."""
    channels = list(getattr(provider, "channels", None) or [])
    single = getattr(provider, "channel", None)
    return channels + ([single] if isinstance(single, Channel) else [])


def open_tunnels(provider: Any, port: int, local_host: str) -> List[Channel]:
    """Forward ``port`` on each remote host of ``provider`` to ``local_host:port``; the channels that did."""
    return [c for c in provider_channels(provider) if c.forward_remote(port, local_host, port)]
