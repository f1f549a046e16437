"""What a site-to-site copy needs from SSHChannel: a lent agent, a peer's view of the host, and a
session of its own that forwards the agent (a multiplexed session would use the master's)."""

from __future__ import annotations

import os
import shlex
import subprocess
from typing import TYPE_CHECKING

from parsl.testing.sites import Sites

if TYPE_CHECKING:
    from conftest import ChannelTo


def test_a_host_reaches_a_peer_with_the_lent_agent_and_the_peers_known_host_key(
        topology: Sites, channel_to: ChannelTo, tmp_path) -> None:
    source, dest = channel_to(topology["compute1"]), channel_to(topology["compute2"])
    source.execute_wait("true")  # a master exists: the forwarding session must not use it
    known = tmp_path / "peer_known_hosts"
    known.write_text(dest.known_hosts_text())
    command = f"{dest.peer_shell(str(known))} {topology['compute2'].address} hostname -I"
    result = source.execute_forwarding_agent(command, dest.agent_socket())
    assert result.retcode == 0, result.stderr
    assert topology["compute2"].address in result.stdout
    without = source.execute_forwarding_agent(command, None)
    assert without.retcode == 255 and "Permission denied" in without.stderr


def test_the_peer_shell_checks_the_host_key(topology: Sites, channel_to: ChannelTo, tmp_path) -> None:
    source, dest = channel_to(topology["compute1"]), channel_to(topology["compute2"])
    wrong = tmp_path / "wrong_known_hosts"
    wrong.write_text(f"{topology['compute2'].address} {topology['compute1'].host_key}\n")
    result = source.execute_forwarding_agent(f"{dest.peer_shell(str(wrong))} {topology['compute2'].address} true",
                                             dest.agent_socket())
    assert result.retcode == 255 and "HOST IDENTIFICATION HAS CHANGED" in result.stderr


def test_close_stops_the_agent(topology: Sites, channel_to: ChannelTo) -> None:
    channel = channel_to(topology["compute1"])
    socket = channel.agent_socket()
    assert socket and os.path.exists(socket)
    listed = subprocess.run(["ssh-add", "-l"], env={**os.environ, "SSH_AUTH_SOCK": socket}, capture_output=True,
                            text=True)
    assert listed.returncode == 0 and "ED25519" in listed.stdout
    channel.close()
    assert not os.path.exists(socket)
    assert subprocess.run(["pgrep", "-f", shlex.quote(socket)], capture_output=True).returncode == 1
