"""Security defaults with real sockets: CurveZMQ keeps rogue peers out, and nothing listens beyond loopback."""

from __future__ import annotations

import contextlib
import os
from typing import Any

import psutil
import zmq
import zmq.auth
from test_faults import own_pid
from zmq.utils.monitor import recv_monitor_message

from parsl.launchers.launchers import SrunLauncher
from parsl_executor_htex import wire
from parsl_executor_htex.executor import HighThroughputExecutor

_FAILED = {zmq.EVENT_HANDSHAKE_FAILED_AUTH, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
           zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL}


def handshake_outcome(sock: zmq.Socket, timeout: float = 30) -> int:
    """The first handshake event of ``sock`` (succeeded or failed), waiting at most ``timeout`` s."""
    monitor = sock.get_monitor_socket()
    try:
        poller = zmq.Poller()
        poller.register(monitor, zmq.POLLIN)
        while poller.poll(int(timeout * 1000)):
            event = recv_monitor_message(monitor)["event"]
            if event == zmq.EVENT_HANDSHAKE_SUCCEEDED or event in _FAILED:
                return event
        raise AssertionError(f"no handshake within {timeout}s")
    finally:
        sock.disable_monitor()
        monitor.close(0)


def rogue(ctx: zmq.Context, port: int, keys: Any = None, identity: bytes = b"rogue") -> zmq.Socket:
    """A DEALER that connects to 127.0.0.1:``port``: plain, or as a Curve client with ``keys``
    (its own public/secret pair and the server's public key)."""
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.IDENTITY, identity)
    if keys is not None:
        sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = keys
    sock.monitor(None, zmq.EVENT_ALL)  # before connect, so the handshake is seen
    sock.connect(f"tcp://127.0.0.1:{port}")
    return sock


def test_rogue_clients_without_the_keys_are_refused(start_htex) -> None:
    ex = start_htex()
    assert ex.cert_dir and os.stat(ex.cert_dir).st_mode & 0o777 == 0o700
    assert ex.submit(own_pid, {}).result(timeout=60)
    server_public, _ = zmq.auth.load_certificate(os.path.join(ex.cert_dir, "server.key"))
    own_public, own_secret = zmq.curve_keypair()
    ctx = zmq.Context()
    try:
        # The worker port is the only one: the interchange reaches the executor through pipes.
        plain = rogue(ctx, ex.worker_port, identity=b"rogue-plain")
        assert handshake_outcome(plain) in _FAILED, "a plain client got through"
        # Even knowing the server's public key, a client whose key was not issued is refused.
        forged = rogue(ctx, ex.worker_port, (own_public, own_secret, server_public), identity=b"rogue-forged")
        assert handshake_outcome(forged) == zmq.EVENT_HANDSHAKE_FAILED_AUTH
        for sock in (plain, forged):  # what such a client tries to send goes nowhere
            with contextlib.suppress(zmq.Again):  # no peer took it
                sock.send_multipart([wire.REGISTER, b'{"worker_count": 64, "block_id": "rogue"}'], zmq.NOBLOCK)
            sock.close(0)
        assert [m["block_id"] for m in ex.connected_managers()] == ["0"]
        assert ex.submit(own_pid, {}).result(timeout=60)
    finally:
        ctx.destroy(0)
    with open(os.path.join(ex.logdir, "interchange.log")) as f:
        assert "rogue" not in f.read()


def test_unencrypted_executor_is_an_explicit_choice(start_htex) -> None:
    ex = start_htex(encrypted=False)
    assert ex.cert_dir is None
    ctx = zmq.Context()
    try:
        sock = rogue(ctx, ex.worker_port)
        assert handshake_outcome(sock) == zmq.EVENT_HANDSHAKE_SUCCEEDED  # what encrypted=True prevents
    finally:
        ctx.destroy(0)


def _listening(pid: int) -> set[tuple[str, int]]:
    return {(c.laddr.ip, c.laddr.port) for c in psutil.Process(pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN}


def test_every_socket_binds_loopback_when_the_pools_run_on_this_host(start_htex) -> None:
    ex = start_htex()
    assert ex.submit(own_pid, {}).result(timeout=60)
    interchange = _listening(ex._client.proc.pid)
    assert interchange == {("127.0.0.1", ex.worker_port)}
    assert _listening(os.getpid()) == set()  # the interchange reaches the executor through pipes
    assert "-a 127.0.0.1 " in ex.launch_cmd


def test_the_worker_address_is_only_widened_for_pools_on_other_nodes(make_provider) -> None:
    here = HighThroughputExecutor(provider=make_provider())
    assert here.all_addresses == ["127.0.0.1"] and here._bind_address == "127.0.0.1"
    other_nodes = HighThroughputExecutor(provider=make_provider(launcher=SrunLauncher()))
    assert other_nodes._bind_address is None and len(other_nodes.all_addresses) >= 1
    configured = HighThroughputExecutor(provider=make_provider(launcher=SrunLauncher()), address="10.1.2.3")
    assert configured.all_addresses == ["10.1.2.3"] and configured._bind_address == "10.1.2.3"
