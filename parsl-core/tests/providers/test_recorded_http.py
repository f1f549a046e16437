"""``RecordedHTTPServer``: handlers answer real HTTP(S) requests on 127.0.0.1; anything else is recorded."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from parsl.testing.recorded_http import RecordedHTTPServer, recorded_json


def fetch(url: str, data: bytes | None = None, context: ssl.SSLContext | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_routes_answer_and_requests_are_logged() -> None:
    with RecordedHTTPServer() as server:
        server.route("GET", r"/servers/(?P<id>\w+)", lambda r: (200, {"id": r.match["id"], "q": r.query}))
        server.route("POST", r"/servers", lambda r: (202, {"got": r.body}, {"X-Id": "1"}))
        assert fetch(f"{server.url}/servers/abc?x=1") == (200, {"id": "abc", "q": {"x": ["1"]}})
        assert fetch(f"{server.url}/servers", data=b'{"name": "n"}') == (202, {"got": {"name": "n"}})
        assert [(r.method, r.path) for r in server.requests()] == [("GET", "/servers/abc"), ("POST", "/servers")]
        assert server.unmatched == []


def test_a_later_route_overrides_and_the_unexpected_is_recorded() -> None:
    with RecordedHTTPServer() as server:
        server.route("GET", r"/x", lambda r: (200, {"ok": True}))
        server.route("GET", r"/x", lambda r: (403, {"error": "refused"}))
        server.route("GET", r"/broken", lambda r: (200, 1 // 0))
        assert fetch(f"{server.url}/x") == (403, {"error": "refused"})
        assert fetch(f"{server.url}/nowhere")[0] == 404
        assert fetch(f"{server.url}/broken")[0] == 500
        assert server.unmatched[0] == "GET /nowhere" and "ZeroDivisionError" in server.unmatched[1]


def test_https_with_a_certificate_for_127_0_0_1(tmp_path: Path) -> None:
    with RecordedHTTPServer(tls_dir=tmp_path) as server:
        server.route("GET", r"/", lambda r: (200, {"tls": True}))
        assert server.url.startswith("https://127.0.0.1:") and server.cert_path is not None
        with pytest.raises(urllib.error.URLError):
            fetch(f"{server.url}/")  # not trusted unless the client is told to
        trusting = ssl.create_default_context(cafile=str(server.cert_path))
        assert fetch(f"{server.url}/", context=trusting) == (200, {"tls": True})


def test_recorded_json_fills_placeholders(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text('{"href": "{url}/v2/{id}", "n": 1}')
    assert recorded_json(tmp_path / "r.json", url="http://127.0.0.1:9", id="abc") == \
           {"href": "http://127.0.0.1:9/v2/abc", "n": 1}
