"""CurveZMQ: encrypted, authenticated ZeroMQ sockets between the executor, interchange and pools.

``create_certificates`` writes a server and a client key pair into a private directory. Sockets
that bind act as Curve servers and accept only peers holding the client key (checked by a ZAP
authenticator thread); sockets that connect act as Curve clients. Without a certificate
directory (``encrypted=False``) the same calls make plain sockets.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union

import zmq
import zmq.auth

from parsl_executor_htex.wire import is_ipv6


def create_certificates(base_dir: str) -> str:
    """Create fresh server and client key pairs in ``<base_dir>/certificates`` (mode 0700)."""
    cert_dir = os.path.join(base_dir, "certificates")
    os.makedirs(cert_dir, mode=0o700, exist_ok=True)
    os.chmod(cert_dir, 0o700)
    zmq.auth.create_certificates(cert_dir, "server")
    zmq.auth.create_certificates(cert_dir, "client")
    return cert_dir


def _load_certificate(cert_dir: str, name: str) -> tuple[bytes, bytes]:
    """The public and secret key of ``name`` (Parsl's name for this helper; its tests call it)."""
    if os.stat(cert_dir).st_mode & 0o777 != 0o700:
        raise PermissionError(f"the certificates directory must be private (mode 0700): {cert_dir}")
    public, secret = zmq.auth.load_certificate(os.path.join(cert_dir, f"{name}.key_secret"))
    if secret is None:
        raise ValueError(f"no secret key in {cert_dir}/{name}.key_secret")
    return public, secret


class Context:
    """A zmq context whose sockets are encrypted when ``cert_dir`` is set."""

    def __init__(self, cert_dir: Optional[str]) -> None:
        self.cert_dir = cert_dir
        self.zmq = zmq.Context()
        self._auth: Any = None

    def _start_auth(self) -> None:
        if self._auth is None:
            from zmq.auth.thread import ThreadAuthenticator

            assert self.cert_dir is not None
            self._auth = ThreadAuthenticator(self.zmq)
            self._auth.start()
            self._auth.configure_curve(domain="*", location=self.cert_dir)

    def socket(self, kind: int, *, server: bool, address: str = "", linger: int = 0) -> zmq.Socket:
        """A new socket; ``server`` for sockets that bind, ``address`` to turn IPv6 on."""
        sock = self.zmq.socket(kind)
        sock.setsockopt(zmq.LINGER, linger)
        if (address and is_ipv6(address)) or address in ("*", "::"):
            sock.setsockopt(zmq.IPV6, 1)
        return self.secure(sock, server=server)

    def secure(self, sock: zmq.Socket, *, server: bool) -> zmq.Socket:
        """Give ``sock`` its Curve role and keys (before it binds or connects); no-op without ``cert_dir``."""
        if self.cert_dir is None:
            return sock
        if server:
            self._start_auth()
            _, secret = _load_certificate(self.cert_dir, "server")
            keys: dict[int, int | bytes] = {zmq.CURVE_SECRETKEY: secret, zmq.CURVE_SERVER: 1}
        else:
            public, secret = _load_certificate(self.cert_dir, "client")
            server_public, _ = _load_certificate(self.cert_dir, "server")
            keys = {zmq.CURVE_PUBLICKEY: public, zmq.CURVE_SECRETKEY: secret, zmq.CURVE_SERVERKEY: server_public}
        try:
            for option, value in keys.items():
                sock.setsockopt(option, value)
        except zmq.ZMQError as e:
            sock.close()
            raise ValueError(f"Invalid CurveZMQ key format in {self.cert_dir}") from e
        return sock

    def term(self, linger: int = 0) -> None:
        """Close every socket (waiting up to ``linger`` ms to deliver what is queued)."""
        if self._auth is not None:
            self._auth.stop()
            self._auth = None
        self.zmq.destroy(linger=linger)


class BaseContext:
    """Parsl's ``parsl.curvezmq`` interface: a context whose sockets take one Curve role.

    ``ServerContext`` sockets authenticate clients holding the client key; ``ClientContext``
    sockets hold it. ``cert_dir=None`` turns encryption off.
    """

    server: bool = False

    def __init__(self, cert_dir: Optional[Union[str, os.PathLike]]) -> None:
        self.cert_dir = None if cert_dir is None else os.fspath(cert_dir)
        self._context = Context(self.cert_dir)

    @property
    def encrypted(self) -> bool:
        return self.cert_dir is not None

    @property
    def closed(self) -> bool:
        return bool(self._context.zmq.closed)

    def socket(self, socket_type: int, *args: Any, **kwargs: Any) -> zmq.Socket:
        """A socket of ``socket_type`` (extra arguments go to ``zmq.Context.socket``), keys applied."""
        sock = self._context.secure(self._context.zmq.socket(socket_type, *args, **kwargs), server=self.server)
        sock.setsockopt(zmq.IPV6, 1)
        return sock

    def term(self) -> None:
        """Stop authenticating and terminate the context (waits for sockets to be closed)."""
        self._stop_auth()
        self._context.zmq.term()

    def destroy(self, linger: Optional[int] = None) -> None:
        """Close every socket (with ``linger`` if given) and terminate the context."""
        self._stop_auth()
        self._context.zmq.destroy(linger)

    def _stop_auth(self) -> None:
        if self._context._auth is not None:
            self._context._auth.stop()
            self._context._auth = None


class ServerContext(BaseContext):
    """Sockets that bind and accept only clients holding the client key."""

    server = True

    def __init__(self, cert_dir: Optional[Union[str, os.PathLike]]) -> None:
        super().__init__(cert_dir)
        if self.encrypted:
            self._context._start_auth()  # as in Parsl: authenticating from construction on

    @property
    def auth_thread(self) -> Any:
        """The ZAP ``ThreadAuthenticator`` checking client keys; ``None`` unencrypted or once stopped."""
        return self._context._auth


class ClientContext(BaseContext):
    """Sockets that connect to a ``ServerContext`` socket."""
