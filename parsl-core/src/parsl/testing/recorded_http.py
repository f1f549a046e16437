"""Serve a cloud's recorded REST responses on 127.0.0.1, for providers whose cloud has no emulator.

The provider's real client library (Azure SDK, openstacksdk...) is pointed at the server, so its
own request building, authentication, paging and error parsing run; only the far end is
replaced. A test registers a handler per ``(method, path pattern)``; handlers usually fill in a
response recorded as a data file in the plugin's tests folder and keep what the "cloud" holds
(servers created, deleted) in plain dicts::

    with RecordedHTTPServer() as cloud:
        cloud.route("GET", r"/v2.1/servers/(?P<id>[^/]+)", lambda req: (200, servers[req.match["id"]]))
        ... point the client at cloud.url ...
        assert [r.path for r in cloud.requests("GET")] == [...]

``tls_dir`` makes it serve HTTPS with a self-signed certificate for 127.0.0.1 (``cert_path``),
for clients that refuse to send credentials over plain HTTP.
"""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple, Union
from urllib.parse import parse_qs, urlsplit

#: What a handler returns: ``(status, body)`` or ``(status, body, headers)``; a dict or list body
#: is sent as JSON, ``None`` as an empty body.
Reply = Union[Tuple[int, Any], Tuple[int, Any, Mapping[str, str]]]


class Request(NamedTuple):
    """One request the server answered."""

    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    body: Any
    match: Dict[str, str]


Handler = Callable[[Request], Reply]


def recorded_json(path: Path, /, **values: Any) -> Any:
    """A recorded JSON body with its ``{placeholders}`` (names, ids, the server's URL) filled in."""
    text = path.read_text()
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return json.loads(text)


def self_signed_certificate(folder: Path) -> Tuple[Path, Path]:
    """A certificate and key for ``127.0.0.1`` and ``localhost``, made with the ``openssl`` command."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class RecordedHTTPServer:
    """An HTTP(S) server on 127.0.0.1 answering through registered handlers (see module doc).

    A request no handler matches is answered 404 with a JSON body naming it, and recorded in
    ``unmatched`` so a test can fail on a call it did not expect; so is a handler that raised (500).
    """

    def __init__(self, tls_dir: Optional[Path] = None):
        self._routes: List[Tuple[str, re.Pattern[str], Handler]] = []
        self._log: List[Request] = []
        self.unmatched: List[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.cert_path: Optional[Path] = None
        scheme = "http"
        if tls_dir is not None:
            self.cert_path, key = self_signed_certificate(tls_dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.cert_path, key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="RecordedHTTPServer", daemon=True)

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Answer ``method`` requests whose path fully matches ``pattern`` with ``handler``; later
        routes take precedence, so a test can override one answer (an error) for a while."""
        with self._lock:
            self._routes.insert(0, (method.upper(), re.compile(pattern), handler))

    def requests(self, method: Optional[str] = None) -> List[Request]:
        """The requests answered so far (of ``method``, if given), oldest first."""
        with self._lock:
            return [r for r in self._log if method is None or r.method == method.upper()]

    def __enter__(self) -> RecordedHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _answer(self, method: str, target: str, headers: Dict[str, str],
                raw: bytes) -> Tuple[int, bytes, Dict[str, str]]:
        parts = urlsplit(target)
        with self._lock:
            routes = list(self._routes)
        for route_method, pattern, handler in routes:
            match = pattern.fullmatch(parts.path)
            if route_method == method and match:
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                request = Request(method, parts.path, parse_qs(parts.query), headers, body, match.groupdict())
                with self._lock:
                    self._log.append(request)
                try:
                    reply = handler(request)
                except Exception as e:  # a broken handler is the test's bug: answer, and keep it for the test
                    self.unmatched.append(f"{method} {target}: handler raised {e!r}")
                    return 500, *_encode({"error": f"test handler raised {e!r}"}, {})
                status, content = reply[0], reply[1]
                extra = dict(reply[2]) if len(reply) > 2 else {}
                return status, *_encode(content, extra)
        self.unmatched.append(f"{method} {target}")
        return 404, *_encode({"error": f"no recorded response for {method} {parts.path}"}, {})

    def _handler_class(self) -> type:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, headers = server._answer(self.command, self.path, dict(self.headers.items()), raw)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # quiet: requests() has them
                pass

        return _Handler


def _encode(content: Any, headers: Dict[str, str]) -> Tuple[bytes, Dict[str, str]]:
    if content is None:
        return b"", headers
    if isinstance(content, (dict, list)):
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(content).encode(), headers
    return str(content).encode(), headers
