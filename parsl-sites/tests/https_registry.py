"""A real HTTPS server on 127.0.0.1 with a self-signed certificate, serving a signed site registry."""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import http.server
import ipaddress
import json
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for IP 127.0.0.1 that is its own CA (so clients can trust it as a CA file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "parsl-sites test registry")])
    now = datetime.datetime.now(datetime.timezone.utc)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, False, False, False), True)
            .add_extension(ski, False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class HTTPSServer:
    """Serve ``root`` over HTTPS on 127.0.0.1 from a thread; ``stop()`` closes the port."""

    def __init__(self, root: Path, cert: Path, key: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}/{path}"

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def new_key() -> tuple[Ed25519PrivateKey, str]:
    """A signing key and its public key as ``parsl site registry add --key`` takes it."""
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key, base64.b64encode(raw).decode()


def publish(root: Path, sites: dict[str, str], key: Ed25519PrivateKey,
            expires: datetime.datetime | None = None) -> None:
    """Write templates, their signed index and its signature into ``root``, as a registry maintainer does."""
    expires = expires or datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
    (root / "sites").mkdir(parents=True, exist_ok=True)
    entries = {}
    for name, text in sites.items():
        (root / "sites" / f"{name}.toml").write_text(text)
        entries[name] = {"path": f"sites/{name}.toml", "sha256": hashlib.sha256(text.encode()).hexdigest()}
    index = json.dumps({"expires": expires.isoformat().replace("+00:00", "Z"), "sites": entries}).encode()
    (root / "index.json").write_bytes(index)
    (root / "index.json.sig").write_bytes(base64.b64encode(key.sign(index)))
