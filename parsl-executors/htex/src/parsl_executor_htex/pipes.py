"""Messages over pipes: between a pool and its workers, and between the executor and its interchange.

Both links join a process to one it started on the same host, so a pipe serves where a socket
would: one system call per message, and the reader is woken directly (a ZeroMQ message also
wakes an I/O thread at each end, and its port is one more place to guard).

A pool and its workers use ``write_message``/``read_exact`` with the header ``HEADER``; the
executor and the interchange exchange ``wire`` messages of one or two frames through a
``Channel``, each prefixed by ``FRAMES``: the two frames' lengths (the second is absent when 0).
"""

from __future__ import annotations

import collections
import fcntl
import itertools
import os
import select
import struct
import time
from typing import Any, Sequence

HEADER = struct.Struct("=qII")
FRAMES = struct.Struct("=II")
_PIPE_SIZE = 1 << 20  # asked for the executor-interchange pipes (Linux; the kernel may give less)
_READ_SIZE = 1 << 20


def write_all(fd: int, parts: Sequence[Any]) -> None:
    """Write ``parts`` to blocking ``fd``, all of them (a signal may cut a ``writev`` short)."""
    total = sum(map(len, parts))
    written = os.writev(fd, parts)
    if written < total:
        rest = memoryview(b"".join(parts))[written:]
        while rest:
            rest = rest[os.write(fd, rest):]


def write_message(fd: int, tid: int, a: int, b: int, *parts: bytes) -> None:
    """Write the header ``(tid, a, b)`` and ``parts`` to ``fd`` (a blocking pipe), all of it."""
    write_all(fd, [HEADER.pack(tid, a, b), *parts])


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly ``n`` bytes from blocking ``fd``; b"" if it closes first."""
    chunks = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            return b""
        chunks.append(chunk)
        n -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_into(fd: int, chunk: bytearray) -> memoryview:
    """What one read of ``fd`` returns, as a view into ``chunk`` (valid until the next read into it).

    ``os.read(fd, n)`` allocates ``n`` bytes first: for a 1 MB limit that cost 30 µs per small
    message, ten times the read itself.
    """
    return memoryview(chunk)[:os.readv(fd, [chunk])]


def pipe() -> tuple[int, int]:
    """A pipe (read end, write end) with a large buffer where the system allows one."""
    r, w = os.pipe()
    try:
        fcntl.fcntl(w, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_SIZE)
    except OSError:  # over /proc/sys/fs/pipe-max-size, or not Linux: the default size works too
        pass
    return r, w


class Channel:
    """Framed messages in from ``read_fd`` and out to ``write_fd``.

    With ``buffered`` (the interchange's end) a send never blocks: what the pipe cannot take now
    waits in memory until ``flush`` (call it when ``write_fd`` is writable, while ``pending``).
    Otherwise (the executor's end) a send blocks until the pipe took it all: the interchange
    reads without ever blocking, so that wait is short and cannot deadlock.
    """

    def __init__(self, read_fd: int, write_fd: int, *, buffered: bool) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.buffered = buffered
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, not buffered)
        self._in = bytearray()
        self._chunk = bytearray(_READ_SIZE)
        self._out: collections.deque[Any] = collections.deque()  # parts not written yet (buffered)

    def send(self, first: Any, second: Any = b"") -> None:
        """Send a message of one frame, or two when ``second`` is not empty."""
        parts = [FRAMES.pack(len(first), len(second)), first, second]
        if not self.buffered:
            write_all(self.write_fd, parts)
        else:
            self._out.extend(parts)
            if len(self._out) == len(parts):
                self.flush()

    @property
    def pending(self) -> bool:
        """Whether buffered output waits for ``write_fd`` to become writable."""
        return bool(self._out)

    def flush(self) -> None:
        """Write what the pipe takes now of the buffered output."""
        out = self._out
        while out:
            try:
                written = os.writev(self.write_fd, list(itertools.islice(out, 1024)))  # IOV_MAX
            except BlockingIOError:
                return
            except BrokenPipeError:  # the reader is gone: nobody will read the rest
                out.clear()
                return
            while out and written >= len(out[0]):
                written -= len(out.popleft())
            if written:
                out[0] = memoryview(out[0])[written:]
                return

    def drain(self, timeout: float) -> None:
        """Flush the buffered output, waiting at most ``timeout`` s for the reader (at shutdown)."""
        deadline = time.monotonic() + timeout
        poller = select.poll()
        poller.register(self.write_fd, select.POLLOUT)
        while self._out and time.monotonic() < deadline:
            if poller.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                self.flush()

    def receive(self) -> list[list[bytes]]:
        """The messages that arrived whole (call when ``read_fd`` is readable); ``EOFError`` once
        the other end closed its side."""
        try:
            data = read_into(self.read_fd, self._chunk)
        except BlockingIOError:
            return []
        if not data:
            raise EOFError("the other end of the pipe closed it")
        buf: bytearray | memoryview = data  # the common case: whole messages in one read, parsed in place
        if self._in:
            self._in += data
            buf = self._in
        out = []
        pos, size, end = 0, FRAMES.size, len(buf)
        while end - pos >= size:
            a, b = FRAMES.unpack_from(buf, pos)
            if end - pos < size + a + b:
                break
            start = pos + size
            out.append([bytes(buf[start:start + a]), bytes(buf[start + a:start + a + b])] if b else
                       [bytes(buf[start:start + a])])
            pos = start + a + b
        self._in = bytearray(buf[pos:]) if pos < end else bytearray()
        return out

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
