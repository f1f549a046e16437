"""The wire protocol between the executor, the interchange, the worker pools and their workers.

Every message starts with a one-byte tag. Task and result messages are one frame each, however
many tasks they carry (each zmq frame costs several microseconds of Python, so the hot path sends
one frame per batch at every hop), and are packed with ``struct``/``array`` so the interchange
routes and forwards them without unpickling anything::

    executor -> interchange    T n (tid int64, priority float64, len(ctx) uint32, len(buf) uint32)*n (ctx buf)*n
    interchange -> pool        (the same layout, for the tasks given to that pool)
    pool -> interchange        R n tid(int64)*n kind(uint8)*n len(uint32)*n payload*n
    interchange -> executor    (forwarded unchanged)
    pool -> worker             header(tid, len(ctx), len(buf)) ctx buf      (a pipe, see ``worker``)
    worker -> pool             header(tid, kind, len(payload)) payload       (a pipe)

``ctx`` is b"" or a JSON object (the MPI environment of the task); ``buf`` is what
``parsl.serialize.pack_apply_message`` produced. A result's ``kind`` says what its payload is.
Control messages (registration, heartbeats, commands, events) are rare: a tag frame, then at
most one pickled or JSON frame.
"""

from __future__ import annotations

import struct
from array import array
from typing import Any, Iterator, Mapping, Sequence

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
TIMEOUT = 3       # payload: pickled (running_time, worker_id, hostname): killed at its running_time
REJECTED = 4      # payload: pickled (keys, message): no connected pool can ever fit its resources

NO_PRIORITY = float("inf")


_COUNT = struct.Struct("=I")
_TASK = struct.Struct("=qdIIB")
#: A task's resource request: cores, memory (MB), disk (MB), running_time (s); NOT_GIVEN when
#: absent (the pool's per-worker share applies to cores and memory, no limit to running_time).
_RESOURCES = struct.Struct("=dddd")
NOT_GIVEN = -1.0
RESOURCE_NAMES = ("cores", "memory", "disk", "running_time")

#: ``(priority, tid, ctx, buf, res)``: ``res`` is b"" for a task without a resource request.
Task = tuple[float, int, Any, Any, Any]


def pack_resources(spec: Mapping[str, Any]) -> bytes:
    """The ``res`` bytes of a task whose specification has any of ``RESOURCE_NAMES``, else b""."""
    if not any(k in spec for k in RESOURCE_NAMES):
        return b""
    return _RESOURCES.pack(*(float(spec.get(k, NOT_GIVEN)) for k in RESOURCE_NAMES))


def unpack_resources(res: Any) -> tuple[float, float, float, float]:
    """``(cores, memory, disk, running_time)`` of non-empty ``res`` bytes."""
    return _RESOURCES.unpack(res)


def pack_tasks(tasks: Sequence[Task]) -> bytes:
    """One TASKS frame for ``(priority, tid, ctx, buf, res)`` tuples."""
    head = [TASKS, _COUNT.pack(len(tasks))]
    body = []
    for prio, tid, ctx, buf, res in tasks:
        head.append(_TASK.pack(tid, prio, len(ctx), len(buf), len(res)))
        body.append(ctx)
        body.append(buf)
        if res:
            body.append(res)
    return b"".join(head + body)


def unpack_tasks(frame: bytes) -> list[Task]:
    """The ``(priority, tid, ctx, buf, res)`` tuples of a TASKS frame (views into ``frame``)."""
    (n,) = _COUNT.unpack_from(frame, 1)
    start = 1 + _COUNT.size
    pos = start + n * _TASK.size
    view = memoryview(frame)
    out = []
    for tid, prio, nctx, nbuf, nres in _TASK.iter_unpack(view[start:pos]):
        end = pos + nctx + nbuf
        out.append((prio, tid, view[pos:pos + nctx], view[pos + nctx:end], view[end:end + nres] if nres else b""))
        pos = end + nres
    return out


def pack_results(ids: Sequence[int], kinds: bytes, payloads: Sequence[Any]) -> bytes:
    """One RESULTS frame."""
    return b"".join([RESULTS, _COUNT.pack(len(ids)), array("q", ids).tobytes(), kinds,
                     array("I", map(len, payloads)).tobytes(), *payloads])


def merge_results(frames: Sequence[bytes]) -> bytes:
    """One RESULTS frame holding the results of several (without unpacking any result)."""
    if len(frames) == 1:
        return frames[0]
    parts: list[list[memoryview]] = [[], [], [], []]
    total = 0
    for frame in frames:
        (n,) = _COUNT.unpack_from(frame, 1)
        total += n
        view = memoryview(frame)
        pos = 1 + _COUNT.size
        for i, size in enumerate((8 * n, n, 4 * n)):
            parts[i].append(view[pos:pos + size])
            pos += size
        parts[3].append(view[pos:])
    return b"".join([RESULTS, _COUNT.pack(total), *parts[0], *parts[1], *parts[2], *parts[3]])


def result_ids(frame: bytes) -> array:
    """The task ids of a RESULTS frame (all the interchange needs of it)."""
    (n,) = _COUNT.unpack_from(frame, 1)
    ids = array("q")
    start = 1 + _COUNT.size
    ids.frombytes(memoryview(frame)[start:start + 8 * n])
    return ids


def unpack_results(frame: bytes) -> list[tuple[int, int, memoryview]]:
    """The ``(tid, kind, payload)`` tuples of a RESULTS frame."""
    ids = result_ids(frame)
    n = len(ids)
    view = memoryview(frame)
    pos = 1 + _COUNT.size + 8 * n
    kinds = view[pos:pos + n]
    lens = array("I")
    lens.frombytes(view[pos + n:pos + 5 * n])
    pos += 5 * n
    out = []
    for tid, kind, length in zip(ids, kinds, lens):
        out.append((tid, kind, view[pos:pos + length]))
        pos += length
    return out


#: Messages larger than this are sent without copying (zero-copy costs more for small ones).
COPY_THRESHOLD = 1 << 16


def drain(sock: Any, limit: int = 1000) -> Iterator[list[bytes]]:
    """The messages waiting on ``sock``, which a poll found readable; at most ``limit``.

    Checks the socket's event flags between messages instead of reading until ``zmq.Again``:
    raising that exception costs more than a message.
    """
    import zmq

    events, pollin = int(zmq.EVENTS), int(zmq.POLLIN)
    for _ in range(limit):
        try:
            yield sock.recv_multipart(int(zmq.NOBLOCK))
        except zmq.Again:
            return
        if not sock.getsockopt(events) & pollin:
            return


def tcp_url(address: str, port: int | None = None) -> str:
    """``tcp://host:port`` with IPv6 addresses in brackets (``tcp://[::1]:5000``)."""
    host = f"[{address}]" if ":" in address and not address.startswith("[") else address
    return f"tcp://{host}" if port is None else f"tcp://{host}:{port}"


def is_ipv6(address: str) -> bool:
    return ":" in address
EXIT = b"X"        # pool -> interchange: the pool is exiting (any task still listed is lost)
