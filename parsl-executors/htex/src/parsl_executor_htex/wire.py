"""The wire protocol between the executor, the interchange, the worker pools and their workers.

Every message is a ZeroMQ multipart message whose first frame is a one-byte tag. Task and
result messages carry many tasks at once (the hot path is batched at every hop) and keep the
per-task data as separate frames, so the interchange routes and forwards them without
unpickling anything::

    executor  -> interchange   TASKS    ids(int64[n]) prios(float64[n]) (ctx, buf) * n
    interchange -> pool        TASKS    ids(int64[n]) (ctx, buf) * n
    pool -> interchange        RESULTS  ids(int64[n]) kinds(uint8[n]) payload * n
    interchange -> executor    RESULTS  (forwarded unchanged)
    pool -> worker             tid(int64) ctx buf
    worker -> pool             tid(int64) kind payload

``ctx`` is b"" or a JSON object (the MPI environment of the task); ``buf`` is what
``parsl.serialize.pack_apply_message`` produced. A result's ``kind`` says what its payload is.
Control messages (registration, heartbeats, commands, events) are rare and carry one pickled or
JSON frame.
"""

from __future__ import annotations

import sys
from array import array
from typing import Any, Sequence

# Tags (first frame).
TASKS = b"T"
RESULTS = b"R"
REGISTER = b"G"    # pool -> interchange: JSON registration
HEARTBEAT = b"H"   # both ways between pool and interchange
PROBE = b"P"       # pool -> interchange and back: is this address the interchange?
DRAIN = b"D"       # interchange -> pool: take no more tasks, exit when idle; pool -> interchange: draining
STOP = b"S"        # interchange -> pool: exit now
COMMAND = b"C"     # executor -> interchange: pickled (request id, name, args)
REPLY = b"A"       # interchange -> executor: pickled (request id, result)
EVENT = b"E"       # interchange -> executor: pickled event dict (manager joined, manager lost, ...)
READY = b"W"       # interchange -> executor once bound: pickled {"worker_port": ...}

# Result kinds.
OK = 0            # payload: serialized result
EXCEPTION = 1     # payload: serialized RemoteExceptionWrapper
WORKER_LOST = 2   # payload: pickled (worker_id, hostname, exitcode)

NO_PRIORITY = float("inf")


IDS = "q"     # array typecode of task-id frames (int64)
PRIOS = "d"   # array typecode of priority frames (float64)


def to_frame(typecode: str, values: Sequence[Any]) -> bytes:
    """One frame holding ``values`` as a packed array (``IDS`` or ``PRIOS``)."""
    return array(typecode, values).tobytes()


def from_frame(typecode: str, frame: bytes | memoryview) -> array:
    """The packed array in ``frame``."""
    a = array(typecode)
    a.frombytes(frame)
    return a


def tcp_url(address: str, port: int | None = None) -> str:
    """``tcp://host:port`` with IPv6 addresses in brackets (``tcp://[::1]:5000``)."""
    host = f"[{address}]" if ":" in address and not address.startswith("[") else address
    return f"tcp://{host}" if port is None else f"tcp://{host}:{port}"


def is_ipv6(address: str) -> bool:
    return ":" in address
EXIT = b"X"        # pool -> interchange: the pool is exiting (any task still listed is lost)


def tid_bytes(tid: int) -> bytes:
    return tid.to_bytes(8, sys.byteorder, signed=True)


def tid_int(b: bytes) -> int:
    return int.from_bytes(b, sys.byteorder, signed=True)
