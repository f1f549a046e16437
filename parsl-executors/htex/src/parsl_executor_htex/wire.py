"""The wire protocol between the executor, the interchange, the worker pools and their workers.

Every message starts with a one-byte tag. Task and result messages are one frame each, however
many tasks they carry (each zmq frame costs several microseconds of Python, so the hot path sends
one frame per batch at every hop), and are packed with ``struct``/``array`` in native byte order
with standard sizes, so the interchange routes and forwards them without unpickling anything.
A TASKS frame (``pack_tasks``; its tasks are ``Task`` records)::

    b"T"  n:uint32
          (tid:int64  priority:float64  len(ctx):uint32  len(buf):uint32  len(res):uint8) * n
          (ctx  buf  res) * n

``priority`` is the resource specification's (lower first; ``NO_PRIORITY`` when absent).
``ctx`` is b"", or in MPI mode the task's resource specification as a JSON object (the pool
replaces it by the MPI environment of the task before the worker sees it). ``buf`` is what
``parsl.serialize.pack_apply_message`` produced. ``res`` is b"" for a task without a resource
request, else 32 bytes (``pack_resources``): cores, memory (MB), disk (MB) and running_time (s)
as float64, each ``NOT_GIVEN`` when absent. A RESULTS frame (``pack_results``; its results are
``Result`` records)::

    b"R"  n:uint32  tid:int64 * n  kind:uint8 * n  len(payload):uint32 * n  payload * n

where ``kind`` (``OK`` ... ``REJECTED`` below) says what the payload is. The hops::

    executor -> interchange    [TASKS frame]                                                    (a pipe)
    interchange -> pool        [TASKS frame]        the tasks given to that pool                (ZeroMQ)
    pool -> interchange        [RESULTS frame]                                                  (ZeroMQ)
    interchange -> executor    [RESULTS frame]      pools' frames merged without unpacking; or REJECTED results
                                                                                                (a pipe)
    pool -> worker             header(tid:int64, len(ctx):uint32, len(buf):uint32) ctx buf      (a pipe)
    worker -> pool             header(tid:int64, kind:uint32, len(payload):uint32) payload      (a pipe;
                               first a header of kind ``worker.READY_KIND`` and no payload)

Control messages are rare; each is a tag frame, then at most one frame::

    pool -> interchange        REGISTER + JSON object, HEARTBEAT, PROBE, DRAIN,
                               EXIT + the reason (UTF-8)
    interchange -> pool        HEARTBEAT, PROBE, DRAIN, STOP + the reason (UTF-8)
    executor -> interchange    COMMAND + pickled (request id, name, args)
    interchange -> executor    REPLY + pickled (request id, result), EVENT + pickled dict,
                               READY + pickled {"worker_port": ..., "pid": ...}

(The interchange's ROUTER socket puts the pool's identity before these frames.) Between the
executor and the interchange, which the executor starts on its own host, a message travels on
one of two pipes (``pipes.Channel``; tasks and commands one way, everything else the other):
``FRAMES`` header (len(first frame):uint32, len(second frame):uint32, 0 when it has one), then
the frames. Between the interchange and the pools, each frame is a ZeroMQ frame, under CurveZMQ
unless ``encrypted=False``.
"""

from __future__ import annotations

import struct
from array import array
from functools import partial
from typing import Any, Callable, Iterator, Mapping, NamedTuple, Sequence, cast

# Tags (first byte of the first frame).
TASKS = b"T"
RESULTS = b"R"
REGISTER = b"G"    # pool -> interchange: JSON registration
HEARTBEAT = b"H"   # both ways between pool and interchange
PROBE = b"P"       # pool -> interchange and back: is this address the interchange?
DRAIN = b"D"       # interchange -> pool: take no more tasks, exit when idle; pool -> interchange: draining
STOP = b"S"        # interchange -> pool: exit now
EXIT = b"X"        # pool -> interchange: the pool is exiting (any task still listed is lost)
COMMAND = b"C"     # executor -> interchange: pickled (request id, name, args)
REPLY = b"A"       # interchange -> executor: pickled (request id, result)
EVENT = b"E"       # interchange -> executor: pickled event dict (manager joined, manager lost, ...)
READY = b"W"       # interchange -> executor once bound: pickled {"worker_port": ..., "pid": ...}

# Result kinds.
OK = 0            # payload: serialized result
EXCEPTION = 1     # payload: serialized RemoteExceptionWrapper
WORKER_LOST = 2   # payload: pickled (worker_id, hostname, exitcode)
TIMEOUT = 3       # payload: pickled (running_time, worker_id, hostname): killed at its running_time
REJECTED = 4      # payload: pickled (keys, message): no connected pool can ever fit its resources

NO_PRIORITY = float("inf")

_COUNT = struct.Struct("=I")
_TASK = struct.Struct("=qdIIB")  # tid, priority, len(ctx), len(buf), len(res)
_RESOURCES = struct.Struct("=dddd")
COUNT, TASK_HEADER = _COUNT, _TASK  # for the interchange's queue, which slices frames without unpacking
NOT_GIVEN = -1.0
RESOURCE_NAMES = ("cores", "memory", "disk", "running_time")


class Task(NamedTuple):
    """One task on the wire. A tuple so that a heap of them orders by priority, then id
    (ids are unique: the views behind them are never compared)."""

    priority: float
    tid: int
    ctx: Any   #: bytes or a memoryview of the frame it came in
    buf: Any
    res: Any


#: ``make_task((priority, tid, ctx, buf, res))``: a ``Task`` built without NamedTuple's
#: Python-level ``__new__``, which would triple the cost of the record (one per task at every hop).
make_task = cast(Callable[[tuple[float, int, Any, Any, Any]], Task], partial(tuple.__new__, Task))


class Result(NamedTuple):
    """One result on the wire; ``payload`` is a view into the frame it came in."""

    tid: int
    kind: int
    payload: memoryview


_make_result = cast(Callable[[tuple[int, int, memoryview]], Result], partial(tuple.__new__, Result))


class Resources(NamedTuple):
    """A task's resource request (``res``): each ``NOT_GIVEN`` when absent (the pool's
    per-worker share applies to cores and memory, no limit to running_time)."""

    cores: float
    memory: float
    disk: float
    running_time: float

    def need(self, share: Sequence[float]) -> tuple[float, float, float]:
        """The cores, memory and disk this request reserves; ``share`` is one worker's (cores, memory)."""
        return (share[0] if self.cores == NOT_GIVEN else self.cores,
                share[1] if self.memory == NOT_GIVEN else self.memory,
                0.0 if self.disk == NOT_GIVEN else self.disk)


def pack_resources(spec: Mapping[str, Any]) -> bytes:
    """The ``res`` bytes of a task whose specification has any of ``RESOURCE_NAMES``, else b""."""
    if not any(k in spec for k in RESOURCE_NAMES):
        return b""
    return _RESOURCES.pack(*(float(spec.get(k, NOT_GIVEN)) for k in RESOURCE_NAMES))


def unpack_resources(res: Any) -> Resources:
    """The request held in non-empty ``res`` bytes."""
    return Resources(*_RESOURCES.unpack(res))


def pack_tasks(tasks: Sequence[Task]) -> bytes:
    """One TASKS frame."""
    head = [TASKS, _COUNT.pack(len(tasks))]
    body = []
    for priority, tid, ctx, buf, res in tasks:  # unpacking a Task costs less than reading its fields
        head.append(_TASK.pack(tid, priority, len(ctx), len(buf), len(res)))
        body.append(ctx)
        body.append(buf)
        if res:
            body.append(res)
    return b"".join(head + body)


def unpack_tasks(frame: bytes) -> list[Task]:
    """The tasks of a TASKS frame (their bytes are views into ``frame``)."""
    (n,) = _COUNT.unpack_from(frame, 1)
    start = 1 + _COUNT.size
    pos = start + n * _TASK.size
    view = memoryview(frame)
    out = []
    for tid, prio, nctx, nbuf, nres in _TASK.iter_unpack(view[start:pos]):
        end = pos + nctx + nbuf
        res = view[end:end + nres] if nres else b""
        out.append(make_task((prio, tid, view[pos:pos + nctx], view[pos + nctx:end], res)))
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


def unpack_results(frame: bytes) -> list[Result]:
    """The results of a RESULTS frame (their payloads are views into ``frame``)."""
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
        out.append(_make_result((tid, kind, view[pos:pos + length])))
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
