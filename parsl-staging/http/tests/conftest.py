"""Real HTTP and HTTPS servers on 127.0.0.1 serving a temporary directory."""

from __future__ import annotations

import datetime
import functools
import http.server
import ipaddress
import os
import socket
import ssl
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace

import pytest


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.hits[self.path] += 1  # type: ignore[attr-defined]
        if self.path.startswith("/short/"):
            # Promise more bytes than are sent, then hang up.
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"only part of it")
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(SimpleNamespace):
    url: str
    root: str
    hits: Counter

    def put(self, name: str, content: bytes) -> str:
        with open(os.path.join(self.root, name), "wb") as f:
            f.write(content)
        return f"{self.url}/{name}"


def _serve(root: str, context: ssl.SSLContext | None = None) -> Iterator[Server]:
    handler = functools.partial(_Handler, directory=root)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.hits = Counter()  # type: ignore[attr-defined]
    scheme = "http"
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(url=f"{scheme}://127.0.0.1:{httpd.server_port}", root=root,
                     hits=httpd.hits)  # type: ignore[attr-defined]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


@pytest.fixture
def http_server(tmp_path) -> Iterator[Server]:
    root = tmp_path / "served"
    root.mkdir()
    yield from _serve(str(root))


def _self_signed(directory) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@pytest.fixture
def https_server(tmp_path) -> Iterator[Server]:
    root = tmp_path / "served-tls"
    root.mkdir()
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    for server in _serve(str(root), context):
        server.cert = cert
        yield server


@pytest.fixture
def refused_url() -> str:
    """An http URL on a 127.0.0.1 port that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/data.txt"


@pytest.fixture
def fake_dm(tmp_path) -> SimpleNamespace:
    """What a staging provider reads from the DataManager: executors and their working_dir."""
    work = tmp_path / "work"
    executor = SimpleNamespace(working_dir=str(work))
    return SimpleNamespace(dfk=SimpleNamespace(executors={"ex": executor}))


@pytest.fixture
def full_disk(tmp_path) -> Iterator[str]:
    """A directory on a 64 KiB file system: a real tmpfs when root, else a file-size limit."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                                            check=False, capture_output=True).returncode == 0:
        try:
            yield str(mnt)
        finally:
            subprocess.run(["umount", "-l", str(mnt)], check=True)
        return
    import resource
    import signal

    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, old_limit[1]))
    try:
        yield str(mnt)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)


@pytest.fixture
def run_workflow(tmp_path):
    """Load a DataFlowKernel with one thread-pool executor using ``storage_access``; clean up."""
    import parsl
    from parsl.config import Config
    from parsl.executors.threads import ThreadPoolExecutor

    loaded = []

    def load(storage_access, working_dir=None, monitoring=None):
        executor = ThreadPoolExecutor(label="pool", max_threads=4, storage_access=storage_access,
                                      working_dir=working_dir or str(tmp_path / "work"))
        dfk = parsl.load(Config(executors=[executor], run_dir=str(tmp_path / "runinfo"), monitoring=monitoring))
        loaded.append(dfk)
        return dfk

    yield load
    for dfk in loaded:
        dfk.cleanup()
