"""One namespace topology per test module: a login node and two compute nodes, each with its own sshd.

Needs root (network namespaces, a bridge, iptables inside the namespaces) and Debian's
openssh-server; fails, not skips, without them.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from parsl.testing.sites import Node, Sites, sites
from parsl_channel_ssh import SSHChannel


@pytest.fixture(scope="module")
def topology() -> Iterator[Sites]:
    with sites(["login", "compute1", "compute2"], isolated=["compute1", "compute2"]) as built:
        yield built


ChannelTo = Callable[..., SSHChannel]


@pytest.fixture
def channel_to(topology: Sites) -> Iterator[ChannelTo]:
    """``channel_to(node, **kwargs)``: a channel as root with the topology's key, the node's host key pinned.

    Every channel made is closed after the test.
    """
    made: list[SSHChannel] = []

    def make(node: Node, **kwargs: Any) -> SSHChannel:
        options: dict[str, Any] = {"username": "root", "key_filename": topology.key_filename,
                                   "host_key": node.host_key, "connect_timeout": 10, **kwargs}
        made.append(SSHChannel(node.address, **options))
        return made[-1]

    yield make
    for channel in made:
        channel.close()


@pytest.fixture
def login(topology: Sites, channel_to: ChannelTo) -> SSHChannel:
    return channel_to(topology["login"])
