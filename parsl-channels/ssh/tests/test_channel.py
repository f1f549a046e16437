"""SSHChannel against real sshds in network namespaces (see conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from parsl.channels.errors import AuthenticationFailed, HostKeyChanged, HostUnreachable, TunnelError, UnknownHostKey
from parsl.providers.errors import SchedulerCommandTimeout
from parsl.testing.sites import Sites
from parsl_channel_ssh import SSHChannel

if TYPE_CHECKING:
    from conftest import ChannelTo


def test_commands_run_on_the_remote_host(login: SSHChannel, topology: Sites) -> None:
    result = login.execute_wait(["ip", "-o", "-4", "addr", "show"])
    assert result.retcode == 0, result
    assert topology["login"].address in result.stdout
    assert topology.submit_address not in result.stdout


def test_an_argument_list_arrives_intact(login: SSHChannel) -> None:
    tricky = "a b 'c' \"d\" $HOME; e"
    result = login.execute_wait(["printf", "%s", tricky])
    assert (result.retcode, result.stdout) == (0, tricky)


def test_exit_code_and_stderr_come_back(login: SSHChannel) -> None:
    result = login.execute_wait("echo oops >&2; exit 3")
    assert (result.retcode, result.stderr) == (3, "oops\n")


def test_commands_share_one_master_connection(login: SSHChannel, topology: Sites) -> None:
    log = Path(topology["login"].sshd_log)
    login.execute_wait(["true"])
    before = log.read_text().count("Accepted publickey")
    for _ in range(5):
        assert login.execute_wait(["true"]).retcode == 0
    assert log.read_text().count("Accepted publickey") == before


def test_push_file_writes_an_executable_script(login: SSHChannel, tmp_path: Path) -> None:
    source = tmp_path / "job.sh"
    source.write_text("#!/bin/sh\necho pushed\n")
    dest = login.remote_path(str(source))
    assert dest.startswith(login.remote_dir(str(tmp_path)) + "/")
    login.push_file(str(source), dest)
    assert login.execute_wait([dest]).stdout == "pushed\n"


def test_script_dir_is_created_and_made_absolute(topology: Sites, channel_to: ChannelTo) -> None:
    channel = channel_to(topology["login"], script_dir="my scripts/parsl")
    remote = channel.remote_dir("/unused")
    assert remote.startswith("/") and remote.endswith("/my scripts/parsl"), remote
    assert channel.execute_wait(["test", "-d", remote]).retcode == 0
    channel.execute_wait(["rm", "-rf", "--", os.path.dirname(remote)])


def test_a_command_that_outlives_its_timeout_names_host_and_command(login: SSHChannel) -> None:
    with pytest.raises(SchedulerCommandTimeout) as info:
        login.execute_wait(["sleep", "600"], walltime=1)
    assert "sleep 600" in str(info.value) and login.hostname in str(info.value)


def test_close_stops_the_master_and_a_later_command_reconnects(topology: Sites, channel_to: ChannelTo) -> None:
    channel = channel_to(topology["login"])
    channel.execute_wait(["true"])
    state = channel._state
    assert state is not None and os.path.exists(os.path.join(state, "master"))
    channel.close()
    assert not os.path.exists(state)
    assert channel.execute_wait(["echo", "again"]).stdout == "again\n"


# -- bad input ---------------------------------------------------------------------------------


def test_a_host_that_does_not_answer(topology: Sites) -> None:
    silent = topology.submit_address.rsplit(".", 1)[0] + ".250"  # on the bridge, nobody there
    channel = SSHChannel(silent, username="root", key_filename=topology.key_filename,
                         host_key=topology["login"].host_key, connect_timeout=3)
    start = time.monotonic()
    with pytest.raises(HostUnreachable) as info:
        channel.execute_wait(["true"])
    assert silent in str(info.value)
    assert time.monotonic() - start < 30


def test_a_host_that_drops_every_packet_times_out_with_connect_timeout(
        topology: Sites, channel_to: ChannelTo) -> None:
    node = topology["compute2"]
    node.run(["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "2222", "-j", "DROP"])
    channel = channel_to(node, port=2222, connect_timeout=2)
    start = time.monotonic()
    with pytest.raises(HostUnreachable) as info:
        channel.execute_wait(["true"])
    assert f"{node.address}:2222" in str(info.value) and "timed out" in str(info.value), str(info.value)
    assert time.monotonic() - start < 30


def test_a_wrong_client_key(topology: Sites, tmp_path: Path, channel_to: ChannelTo) -> None:
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    channel = channel_to(topology["login"], key_filename=str(other))
    with pytest.raises(AuthenticationFailed) as info:
        channel.execute_wait(["true"])
    assert topology["login"].address in str(info.value) and "key_filename" in str(info.value)


def test_a_changed_host_key_is_refused(topology: Sites, channel_to: ChannelTo) -> None:
    impostor = channel_to(topology["login"], host_key=topology["compute1"].host_key)
    with pytest.raises(HostKeyChanged) as info:
        impostor.execute_wait(["true"])
    assert topology["login"].address in str(info.value)


def test_a_changed_host_key_in_known_hosts_is_refused(topology: Sites, tmp_path: Path, channel_to: ChannelTo) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(f"{topology['login'].address} {topology['compute1'].host_key}\n")
    channel = channel_to(topology["login"], host_key=None, host_keys_filename=str(known))
    with pytest.raises(HostKeyChanged):
        channel.execute_wait(["true"])


def test_an_unknown_host_key_is_refused(topology: Sites, tmp_path: Path, channel_to: ChannelTo) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    channel = channel_to(topology["login"], host_key=None, host_keys_filename=str(empty))
    with pytest.raises(UnknownHostKey) as info:
        channel.execute_wait(["true"])
    assert "known_hosts" in str(info.value) and topology["login"].address in str(info.value)


def test_a_known_hosts_file_with_the_right_key_is_accepted(
        topology: Sites, tmp_path: Path, channel_to: ChannelTo) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(f"{topology['login'].address} {topology['login'].host_key}\n")
    channel = channel_to(topology["login"], host_key=None, host_keys_filename=str(known))
    assert channel.execute_wait(["true"]).retcode == 0


def test_password_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match=r"SSHChannel\.password: password authentication is not supported"):
        SSHChannel("host", password="secret")


# -- the topology itself -----------------------------------------------------------------------


def test_compute_nodes_cannot_open_connections_to_the_submit_side(topology: Sites) -> None:
    with socket.create_server((topology.submit_address, 0)) as server:
        port = str(server.getsockname()[1])
        probe = ["python3", "-c", "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 10)",
                 topology.submit_address, port]
        topology["login"].run(probe)
        with pytest.raises(subprocess.CalledProcessError) as info:
            topology["compute1"].run(probe)
    assert "ConnectionRefusedError" in info.value.stderr


# -- reverse forwarding ------------------------------------------------------------------------


def test_a_reverse_forward_lets_an_isolated_node_reach_the_submit_side(
        topology: Sites, channel_to: ChannelTo) -> None:
    channel = channel_to(topology["compute1"])
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert channel.forward_remote(port, "127.0.0.1", port) is True
        send = ["python3", "-c", "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 10)"
                ".sendall(b'through the tunnel')", str(port)]
        topology["compute1"].run(send)
        conn, _ = server.accept()
        with conn:
            assert conn.recv(100) == b"through the tunnel"


def test_a_tunnel_port_in_use_names_host_and_port(topology: Sites, channel_to: ChannelTo) -> None:
    node = topology["compute2"]
    listen = ("import socket; s = socket.create_server(('127.0.0.1', 0)); "
              "print(s.getsockname()[1], flush=True); s.accept()")
    holder = node.popen(["python3", "-c", listen], stdout=subprocess.PIPE, text=True)
    try:
        port = int(holder.stdout.readline())  # type: ignore[union-attr]
        with pytest.raises(TunnelError) as info:
            channel_to(node).forward_remote(port, "127.0.0.1", port)
    finally:
        holder.kill()
        holder.wait()
    assert node.address in str(info.value) and str(port) in str(info.value)
