"""Reverse tunnels: workers on a provider's remote hosts reach a port on the submit side through SSH.

Used by executors whose workers connect back (HTEX's worker port): for every channel of the
provider that can forward, ``127.0.0.1:<port>`` on that host leads to the port here.
"""

from __future__ import annotations

import logging
from typing import Any, List

from parsl.channels.base import Channel
from parsl.channels.errors import ChannelError

logger = logging.getLogger(__name__)

#: Where a tunnel ends on the remote host: workers there connect to this address.
TUNNEL_ADDRESS = "127.0.0.1"


def provider_channels(provider: Any) -> List[Channel]:
    """The channels a provider runs its blocks through (``channel``, or ``channels`` for ad-hoc hosts)."""
    channels = list(getattr(provider, "channels", None) or [])
    single = getattr(provider, "channel", None)
    return channels + ([single] if isinstance(single, Channel) else [])


def open_tunnels(provider: Any, port: int, local_host: str, required: bool) -> List[Channel]:
    """Forward ``port`` on each remote host of ``provider`` to ``local_host:port``; the channels that did.

    A channel that fails raises if the tunnel is ``required``; otherwise it is logged and its
    workers must reach the port directly.
    """
    opened = []
    for channel in provider_channels(provider):
        try:
            if channel.forward_remote(port, local_host, port):
                opened.append(channel)
        except ChannelError as e:
            if required:
                raise
            logger.warning("%s; workers there must reach port %d here directly", e, port)
    return opened
