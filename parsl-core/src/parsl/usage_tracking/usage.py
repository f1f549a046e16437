"""``UsageTracker``: builds a workflow's start and end messages and sends them without waiting.

The DataFlowKernel makes one at load (where a malformed endpoint is a ``ConfigurationError``),
calls ``send_start_message`` once it has started, and ``send_end_message`` then ``close`` at
cleanup. With tracking off nothing is built, no thread is started and no socket is opened.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any, Optional

from parsl.dataflow.states import States
from parsl.errors import ConfigurationError
from parsl.usage_tracking.api import get_parsl_usage
from parsl.usage_tracking.levels import DISABLED, LEVEL_2, LEVEL_3
from parsl.version import PARSL_COMPAT_VERSION, VERSION

if TYPE_CHECKING:
    from parsl.dataflow.dflow import DataFlowKernel

logger = logging.getLogger(__name__)

#: Parsl's wire format: this byte, then the JSON object (so Parsl's tracking server reads ours).
PROTOCOL_VERSION = b"1"
ENDPOINT_VARIABLE = "PARSL_USAGE_TRACKING_ENDPOINT"
DISABLE_VARIABLES = ("PARSL_DISABLE_USAGE_TRACKING", "DO_NOT_TRACK")


def disabled_by_environment() -> Optional[str]:
    """The environment variable that turns tracking off, if one is set."""
    for name in DISABLE_VARIABLES:
        if os.environ.get(name, "").strip().lower() not in ("", "0", "false"):
            return name
    return None


_ENDPOINT = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]\s]+)):(?P<port>\d{1,5})")


def parse_endpoint(text: str) -> tuple[str, int]:
    """``host:port`` or ``[v6addr]:port`` -> (host, port); anything else is a ConfigurationError."""
    m = _ENDPOINT.fullmatch(text.strip())
    if m is None or not 0 < int(m["port"]) < 65536:
        raise ConfigurationError(f"{ENDPOINT_VARIABLE}={text!r} is not a usage-tracking endpoint: "
                                 f"expected host:port (or [IPv6 address]:port) with a port from 1 to 65535")
    return m["v6"] or m["host"], int(m["port"])


class UsageTracker:
    """Usage tracking of one DataFlowKernel (Parsl's class and method names)."""

    def __init__(self, dfk: DataFlowKernel, port: int = 50077, domain_name: str = "tracking.parsl-project.org") -> None:
        self.dfk = dfk
        self.config = dfk.config
        self.project_name = self.config.project_name
        self.correlator_uuid = str(uuid.uuid4())
        self.start_time: Optional[float] = None
        self.domain_name, self.UDP_PORT = domain_name, port
        self.tracking_level = self.check_tracking_level()
        self._sender: Optional[_Sender] = None
        if self.tracking_level:
            endpoint = os.environ.get(ENDPOINT_VARIABLE)
            if endpoint is not None:
                self.domain_name, self.UDP_PORT = parse_endpoint(endpoint)
        logger.debug("Usage tracking level: %s", self.tracking_level)

    def check_tracking_level(self) -> int:
        """The level in force: the config's, unless the environment turns tracking off."""
        level = int(self.config.usage_tracking)
        if not DISABLED <= level <= LEVEL_3:
            raise ConfigurationError(f"usage_tracking must be 0, 1, 2 or 3, not {self.config.usage_tracking!r}")
        variable = disabled_by_environment()
        if level and variable:
            logger.info("Usage tracking is off: %s is set", variable)
            return DISABLED
        return level

    def _common(self) -> dict[str, Any]:
        message: dict[str, Any] = {"correlator": self.correlator_uuid, "tracking_level": self.tracking_level}
        if self.project_name:
            message["project_name"] = self.project_name
        return message

    def construct_start_message(self) -> bytes:
        """Level 1: versions and platform; 2: the config's components; 3: the start time."""
        import platform

        message = self._common()
        message.update({"parsl_v": PARSL_COMPAT_VERSION, "parsl_core_v": VERSION,
                        "python_v": "{}.{}.{}".format(*sys.version_info[:3]), "platform.system": platform.system()})
        if self.tracking_level >= LEVEL_2:
            message["components"] = get_parsl_usage(self.config)
        if self.tracking_level >= LEVEL_3:
            message["start"] = int(self.start_time or time.time())
        return self.encode_message(message)

    def construct_end_message(self) -> bytes:
        """Level 1 and 2: that the run ended; 3: end time, run time, task and failure counts."""
        message = self._common()
        if self.tracking_level >= LEVEL_3:
            end = time.time()
            counts = self.dfk.task_state_counts
            dfk_type = type(self.dfk)
            message.update({
                "end": int(end),
                "execution_time": int(end - (self.start_time or end)),
                "components": [{"c": f"{dfk_type.__module__}.{dfk_type.__qualname__}",
                                "app_count": self.dfk.task_count,
                                "app_fails": counts[States.failed] + counts[States.dep_fail]}],
            })
        return self.encode_message(message)

    def encode_message(self, obj: Any) -> bytes:
        return PROTOCOL_VERSION + json.dumps(obj).encode()

    def send_UDP_message(self, message: bytes) -> None:
        """Send ``message`` (the sender starts on first use); never blocks."""
        if self._sender is None:
            self._sender = _Sender(self.domain_name, self.UDP_PORT)
        self._sender.send(message)

    def send_start_message(self) -> None:
        if self.tracking_level:
            self.start_time = time.time()
            self.send_UDP_message(self.construct_start_message())

    def send_end_message(self) -> None:
        if self.tracking_level:
            self.send_UDP_message(self.construct_end_message())

    def close(self) -> None:
        """Release the socket; never waits (a message still being resolved is sent, then closed)."""
        if self._sender is not None:
            self._sender.close()


class _Sender:
    """Sends datagrams to ``host:port`` without ever making the caller wait.

    Name resolution can take seconds (or fail) on a cluster node without DNS, so it runs on a
    daemon thread (an IP address is taken at once); messages given before it completes are queued
    and sent by that thread. After it, each message is sent at once on a non-blocking socket (so
    the end message also leaves from a cleanup at interpreter exit). The first failure is logged;
    failed messages are dropped.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._lock = threading.Lock()
        self._queued: list[bytes] = []
        self._sock: Any = None
        self._address: Any = None
        self._unreachable = self._closing = self._reported = False
        self.thread: Optional[threading.Thread] = None
        if not self._take_numeric_address():
            self.thread = threading.Thread(target=self._resolve, name="parsl-usage-tracking", daemon=True)
            self.thread.start()

    def _take_numeric_address(self) -> bool:
        """Take an IP address given as such at once: it needs no lookup, and a short script's
        messages then cannot be lost with a resolving thread that had not run before exit."""
        import socket

        try:
            family, _, _, _, address = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM,
                                                          flags=socket.AI_NUMERICHOST)[0]
            sock = socket.socket(family, socket.SOCK_DGRAM)
        except OSError:
            return False
        sock.setblocking(False)
        self._sock, self._address = sock, address
        return True

    def send(self, message: bytes) -> None:
        with self._lock:
            if self._unreachable or self._closing:
                return
            if self._sock is None:
                self._queued.append(message)
                return
            self._sendto(message)

    def close(self) -> None:
        """Close the socket (after the resolving thread has sent what was queued)."""
        with self._lock:
            self._closing = True
            if self._sock is not None:
                self._sock.close()

    def _resolve(self) -> None:
        import socket

        try:
            family, _, _, _, address = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)[0]
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setblocking(False)
        except OSError as e:
            with self._lock:
                self._unreachable = True
                self._report(f"cannot reach {self.host}:{self.port} ({e}); its messages are dropped")
            return
        with self._lock:
            self._sock, self._address = sock, address
            for message in self._queued:
                self._sendto(message)
            self._queued.clear()
            if self._closing:
                sock.close()

    def _sendto(self, message: bytes) -> None:
        try:
            self._sock.sendto(message, self._address)
        except OSError as e:
            self._report(f"sending to {self.host}:{self.port} failed ({e}); message dropped")

    def _report(self, what: str) -> None:
        if not self._reported:
            self._reported = True
            logger.info("Usage tracking: %s", what)
