"""A real pyftpdlib FTP server on 127.0.0.1: anonymous read-only, and user alice read-write."""

from __future__ import annotations

import socket
import threading
from types import SimpleNamespace
from typing import Iterator

import pytest

USER, PASSWORD = "alice", "s3cret"


@pytest.fixture
def ftp_server(tmp_path) -> Iterator[SimpleNamespace]:
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    root = tmp_path / "ftproot"
    root.mkdir()
    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, PASSWORD, str(root), perm="elradfmw")
    authorizer.add_anonymous(str(root))
    retrieved: list[str] = []

    class Handler(FTPHandler):
        def on_file_sent(self, file: str) -> None:
            retrieved.append(file)

    Handler.authorizer = authorizer
    Handler.banner = "parsl test server"
    server = ThreadedFTPServer(("127.0.0.1", 0), Handler)
    port = server.socket.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        # One thread owns the server's poller: it serves until told to stop, then closes.
        while not stop.is_set():
            server.serve_forever(timeout=0.05, blocking=False)
        server.close_all()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(root=root, port=port, retrieved=retrieved,
                              anon=f"ftp://127.0.0.1:{port}", user=f"ftp://{USER}:{PASSWORD}@127.0.0.1:{port}")
    finally:
        stop.set()
        thread.join(10)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fake_dm(tmp_path) -> SimpleNamespace:
    """What a staging provider reads from the DataManager: executors and their working_dir."""
    executor = SimpleNamespace(working_dir=str(tmp_path / "work"))
    return SimpleNamespace(dfk=SimpleNamespace(executors={"ex": executor}))
