"""Parsl's ``parsl.curvezmq`` contexts (served by this plugin): encrypted round trips, strangers refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import zmq
from zmq.utils.monitor import recv_monitor_message

from parsl.curvezmq import ClientContext, ServerContext, create_certificates

#: A stranger's keys fail the Curve handshake (wrong server key) or the ZAP check (unknown client key).
FAILED = zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_AUTH


def _pair(server: ServerContext, client: ClientContext) -> tuple[zmq.Socket, zmq.Socket]:
    rep = server.socket(zmq.REP)
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    req = client.socket(zmq.REQ)
    req.connect(f"tcp://127.0.0.1:{port}")
    return rep, req


@pytest.mark.parametrize("encrypted", [True, False])
def test_round_trip(tmp_path: Path, encrypted: bool) -> None:
    cert_dir = create_certificates(str(tmp_path)) if encrypted else None
    server, client = ServerContext(cert_dir), ClientContext(cert_dir)
    assert server.encrypted is client.encrypted is encrypted
    rep, req = _pair(server, client)
    req.send(b"ping")
    assert rep.recv() == b"ping"
    rep.send(b"pong")
    assert req.recv() == b"pong"
    for sock in (req, rep):
        sock.close(0)
    server.term()
    client.destroy(linger=0)
    assert server.closed and client.closed


def test_a_client_with_other_keys_is_refused(tmp_path: Path) -> None:
    server = ServerContext(create_certificates(str(tmp_path / "ours")))
    stranger = ClientContext(create_certificates(str(tmp_path / "theirs")))
    rep = server.socket(zmq.REP)
    events = rep.get_monitor_socket(FAILED)
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    req = stranger.socket(zmq.REQ)
    req.connect(f"tcp://127.0.0.1:{port}")
    req.send(b"let me in")
    if not events.poll(60_000):  # a bound on a hang: the event normally arrives at once
        pytest.fail("the server reported no failed handshake within 60 s")
    assert recv_monitor_message(events)["event"] & FAILED
    assert rep.poll(0) == 0  # nothing from the stranger was delivered
    rep.disable_monitor()
    for sock in (events, req, rep):
        sock.close(0)
    server.destroy(0)
    stranger.destroy(0)


def test_a_server_context_authenticates_from_construction_until_term(tmp_path: Path) -> None:
    assert ServerContext(None).auth_thread is None
    server = ServerContext(create_certificates(str(tmp_path)))
    auth = server.auth_thread
    assert auth is not None and auth.is_alive()
    server.term()
    assert server.auth_thread is None and not auth.is_alive()


def test_a_malformed_key_file_is_a_clear_error(tmp_path: Path) -> None:
    cert_dir = create_certificates(str(tmp_path))
    secret_file = Path(cert_dir) / "client.key_secret"
    secret_file.write_text(secret_file.read_text().replace('secret-key = "', 'secret-key = "short'))
    client = ClientContext(cert_dir)
    with pytest.raises(ValueError, match="Invalid CurveZMQ key format"):
        client.socket(zmq.REQ)
    client.destroy(0)
