"""A worker process: runs one task at a time for its pool, over an ipc socket.

Started by the worker pool as ``python -m parsl_executor_htex.worker URL IDENTITY [CPUS]``. The
worker dies with its pool (``PR_SET_PDEATHSIG`` on Linux, and a parent check while idle), so a
killed pool never leaves workers behind.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Callable

from parsl_executor_htex import wire

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except OSError:
            pass


def execute(ctx: bytes, buf: bytes) -> tuple[int, bytes]:
    """Run one packed task; return the result kind and its serialized payload.

    A task that raises returns its exception wrapped with its traceback; a result that cannot be
    serialized returns a ``SerializationError`` instead, and the worker carries on.
    """
    from parsl.serialize import serialize, unpack_apply_message

    env: dict[str, str] = {}
    try:
        if ctx:
            import json

            env = json.loads(ctx)
            os.environ.update(env)
        f, args, kwargs = unpack_apply_message(buf)
        result = f(*args, **kwargs)
    except BaseException:
        return wire.EXCEPTION, _wrap_current_exception()
    finally:
        for key in env:
            os.environ.pop(key, None)
    try:
        return wire.OK, serialize(result)
    except BaseException as e:
        from parsl.serialize.errors import SerializationError

        try:
            raise SerializationError(f"the result of type {type(result).__name__} "
                                     f"could not be serialized: {e}") from e
        except SerializationError:
            return wire.EXCEPTION, _wrap_current_exception()


def _wrap_current_exception() -> bytes:
    from parsl.app.errors import RemoteExceptionWrapper
    from parsl.serialize import serialize

    try:
        return serialize(RemoteExceptionWrapper(*sys.exc_info()))
    except BaseException as e:
        # The exception itself could not be pickled: send its text instead.
        exc = sys.exc_info()[1]
        try:
            raise RuntimeError(f"task raised an exception that could not be serialized ({e}): {exc!r}")
        except RuntimeError:
            return serialize(RemoteExceptionWrapper(*sys.exc_info()))


def serve(url: str, ident: bytes, run: Callable[[bytes, bytes], tuple[int, bytes]] = execute) -> None:
    """Take tasks from the pool at ``url`` (as ``ident``) until told to stop or the pool goes away."""
    import zmq

    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.IDENTITY, ident)
    sock.connect(url)
    sock.send(wire.READY)
    parent = os.getppid()
    try:
        while True:
            if not sock.poll(1000):
                if os.getppid() != parent:
                    return
                continue
            tid, ctx_bytes, buf = sock.recv_multipart()
            if tid == wire.STOP:
                return
            kind, payload = run(ctx_bytes, buf)
            sock.send_multipart([tid, bytes((kind,)), payload], copy=len(payload) < 65536)
    finally:
        sock.close(0)
        ctx.term()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if len(argv) > 2 and argv[2]:
        os.sched_setaffinity(0, [int(c) for c in argv[2].split(",")])
    import parsl.serialize  # noqa: F401  (loaded before READY, so the first task runs at once)

    serve(argv[0], argv[1].encode())

if __name__ == "__main__":
    main()
