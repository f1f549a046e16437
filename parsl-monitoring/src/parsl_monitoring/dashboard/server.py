"""The dashboard's HTTP server (the standard library's, threaded), bound to 127.0.0.1 by default."""

from __future__ import annotations

import logging
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Callable
from urllib.parse import unquote

from parsl_monitoring.dashboard import pages
from parsl_monitoring.errors import MonitoringDatabaseError, RunNotFound
from parsl_monitoring.queries import Store

logger = logging.getLogger(__name__)

STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

ROUTES: list[tuple[re.Pattern[str], Callable[..., str]]] = [
    (re.compile(r"^/$"), lambda store: pages.workflows_page(store)),
    (re.compile(r"^/workflow/(?P<run_id>[^/]+)/?$"), lambda store, run_id: pages.workflow_page(store, run_id)),
    (re.compile(r"^/workflow/(?P<run_id>[^/]+)/task/(?P<task_id>\d+)/?$"),
     lambda store, run_id, task_id: pages.task_page(store, run_id, int(task_id))),
]


def _static(name: str) -> bytes | None:
    if "/" in name or name.startswith("."):
        return None
    try:
        return resources.files("parsl_monitoring.dashboard").joinpath("static").joinpath(name).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None


def make_handler(store: Store, debug: bool = False) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "parsl-monitoring"

        def log_message(self, format: str, *args: Any) -> None:
            if debug:
                logger.info("%s " + format, self.address_string(), *args)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path.startswith("/static/"):
                body = _static(path[len("/static/"):])
                if body is None:
                    return self._send(404, pages.error_page("Not found", f"no such file {path}").encode(), "text/html")
                suffix = path[path.rfind("."):]
                return self._send(200, body, STATIC_TYPES.get(suffix, "application/octet-stream"))
            for pattern, view in ROUTES:
                m = pattern.match(path)
                if m:
                    args = {k: unquote(v) for k, v in m.groupdict().items()}
                    try:
                        html = view(store, **args)
                    except RunNotFound as e:
                        return self._page(404, pages.error_page("Not found", str(e)))
                    except MonitoringDatabaseError as e:
                        return self._page(503, pages.error_page("Database unavailable", str(e)))
                    return self._page(200, html)
            self._page(404, pages.error_page("Not found", f"no page at {path}"))

        def _page(self, code: int, html: str) -> None:
            self._send(code, html.encode("utf-8"), "text/html; charset=utf-8")

        def _send(self, code: int, body: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    return Handler


class DashboardServer(ThreadingHTTPServer):
    """The dashboard's HTTP server, holding the database its pages read."""

    daemon_threads = True

    def __init__(self, host: str, port: int, store: Store, debug: bool) -> None:
        super().__init__((host, port), make_handler(store, debug))
        self.store = store

    @property
    def url(self) -> str:
        """Where to browse, as bound (with ``port=0``, the port the system chose)."""
        host, port = self.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}/"


def make_server(url: str, host: str = "127.0.0.1", port: int = 8080, debug: bool = False) -> DashboardServer:
    """A dashboard server for the database at ``url`` (opened now, so a bad database fails here)."""
    return DashboardServer(host, port, Store(url), debug)


def serve(url: str, host: str = "127.0.0.1", port: int = 8080, debug: bool = False) -> int:
    """Serve until interrupted."""
    server = make_server(url, host, port, debug)
    print(f"Parsl monitoring dashboard for {server.store.url} at {server.url} (Ctrl-C to stop)",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.store.close()
    return 0
