"""Ways to find an address of this machine that workers elsewhere can connect back to.

Each function returns an address as a string or raises ``OSError``/``ValueError``;
``get_any_address`` tries them in turn.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import struct
from typing import Callable, List, Set, Union

logger = logging.getLogger(__name__)


def address_by_route() -> str:
    """The source address the kernel would use to reach the public internet (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("8.8.8.8", 53))
        return str(s.getsockname()[0])


def address_by_query(timeout: float = 30) -> str:
    """This machine's public address, as reported by an external web service."""
    from urllib.request import urlopen

    with urlopen("https://api.ipify.org", timeout=timeout) as response:
        return str(ipaddress.ip_address(response.read().decode().strip()))


def address_by_hostname() -> str:
    """The address the machine's own host name resolves to."""
    return socket.gethostbyname(socket.getfqdn())


def address_by_interface(ifname: str) -> str:
    """The IPv4 address of network interface ``ifname`` (Linux)."""
    import fcntl

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        packed = fcntl.ioctl(s.fileno(), 0x8915,  # SIOCGIFADDR
                             struct.pack("256s", bytes(ifname[:15], "utf-8")))
    return socket.inet_ntoa(packed[20:24])


def get_all_addresses() -> Set[str]:
    """Every address any of the methods above finds (interfaces included)."""
    found: Set[str] = set()
    methods: List[Callable[[], str]] = [address_by_route, address_by_hostname]
    for _, name in socket.if_nameindex():
        methods.append(lambda n=name: address_by_interface(n))  # type: ignore[misc]
    for method in methods:
        try:
            found.add(method())
        except Exception as e:
            logger.debug("address method %r failed: %s", method, e)
    return found


def get_any_address() -> str:
    """One usable address: by route, then by host name, then the first interface with one."""
    for method in (address_by_route, address_by_hostname):
        try:
            return method()
        except Exception as e:
            logger.debug("address method %s failed: %s", method.__name__, e)
    for _, name in socket.if_nameindex():
        try:
            return address_by_interface(name)
        except OSError:
            continue
    raise OSError("no address of this machine could be found")


def tcp_url(address: str, port: Union[str, int, None] = None) -> str:
    """``tcp://address[:port]`` for ZeroMQ; an IPv6 address is bracketed when a port follows.

    ``address`` must be an IP address or ``*``; anything else is a ``ValueError``.
    """
    suffix = f":{port}" if port else ""
    if address == "*":
        return f"tcp://*{suffix}"
    if ipaddress.ip_address(address).version == 6 and suffix:
        return f"tcp://[{address}]{suffix}"
    return f"tcp://{address}{suffix}"
