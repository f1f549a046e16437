"""A local stand-in for Globus Transfer and Auth that replays recorded API responses.

The real ``globus_sdk`` client is pointed at it with ``GLOBUS_SDK_SERVICE_URL_*``; every request
is recorded so the tests can check what the client sent.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest

RECORDED = Path(__file__).parent / "recorded"
TASK_ID = "4c3f2f5e-85d4-11f0-9a1c-0affcfc1d1e5"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.json").read_text())


class FakeGlobus:
    """Routes -> queues of (status, recorded document); the last one of a queue repeats."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[tuple[int, dict]]] = {}
        self.requests: list[SimpleNamespace] = []

    def reply(self, method: str, path: str, *responses: tuple[int, str]) -> None:
        self.routes[(method, path)] = [(status, recorded(name)) for status, name in responses]

    def answer(self, method: str, path: str) -> tuple[int, dict]:
        key = (method, re.sub(r"\?.*", "", path))
        queue = self.routes.get(key)
        if not queue:
            return 404, {"code": "NotFound", "message": f"no recorded response for {key}"}
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def sent(self, method: str, path: str) -> list[SimpleNamespace]:
        return [r for r in self.requests if r.method == method and r.path.split("?")[0] == path]


@pytest.fixture
def globus(monkeypatch, tmp_path) -> Iterator[FakeGlobus]:
    fake = FakeGlobus()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            fake.requests.append(SimpleNamespace(method=self.command, path=self.path, body=body,
                                                 authorization=self.headers.get("Authorization")))
            status, doc = fake.answer(self.command, self.path)
            payload = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/"
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_TRANSFER", url)
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", url)
    monkeypatch.setenv("PARSL_GLOBUS_TOKEN_FILE", str(tmp_path / "globus.json"))
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def logged_in(tmp_path, monkeypatch) -> dict:
    """A stored login whose access token is still valid (no refresh needed)."""
    from parsl_staging_globus import auth

    tokens = {"transfer.api.globus.org": {
        "scope": "urn:globus:auth:scope:transfer.api.globus.org:all", "access_token": "transfer_access_token",
        "refresh_token": "transfer_refresh_token", "token_type": "Bearer",
        "expires_at_seconds": int(time.time()) + 3600, "resource_server": "transfer.api.globus.org"}}
    monkeypatch.setenv("PARSL_GLOBUS_TOKEN_FILE", str(tmp_path / "globus.json"))
    auth.save_tokens(tokens)
    return tokens
