"""A worker process: runs one task at a time for its pool, over a pair of pipes.

Started by the worker pool as
``python -m parsl_executor_htex.worker TASK_FD RESULT_FD CPUS [RANK LOG_DIR LOG_CONF LEVEL]``; with
the last four it logs to ``LOG_DIR/worker_<RANK>.log`` (or through the pickled ``LogConfig``).
Each message on a pipe is a fixed header ``(task id, a, b)`` followed by its bytes: from the pool
``a`` and ``b`` are the lengths of the task's context and buffer, to the pool ``a`` is the
result kind and ``b`` the payload's length. Pipes cost one system call per message and wake the
reader directly, which is most of what makes the pool cheap.

The worker exits when its task pipe closes (the pool is gone), and dies with its pool even in
the middle of a task (``PR_SET_PDEATHSIG`` on Linux).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, Callable

from parsl_executor_htex import wire
from parsl_executor_htex.pipes import HEADER, read_exact, read_into, write_message

READY_KIND = 255
_PR_SET_PDEATHSIG = 1
_FUNCTION_CACHE_SIZE = 256
_READ_SIZE = 1 << 16


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except OSError:
            pass


_functions: dict[bytes, Any] = {}
#: Serialized no-arguments (``()`` and ``{}``) -> a maker of a fresh value, and the serialized
#: ``None``: the commonest payloads, recognised by their bytes instead of unpickled or pickled
#: again for every task (``_common``).
_no_args: dict[bytes, Callable[[], Any]] = {}
_none = b""


def _common() -> dict[bytes, Callable[[], Any]]:
    global _none
    if not _no_args:
        from parsl.serialize import serialize

        _no_args.update({serialize(()): tuple, serialize({}): dict})
        _none = serialize(None)
    return _no_args


def execute(ctx: bytes, buf: bytes) -> tuple[int, bytes]:
    """Run one packed task; return the result kind and its serialized payload.

    A task that raises returns its exception wrapped with its traceback; a result that cannot be
    serialized returns the ``SerializationError`` instead, and the worker carries on. The
    function of a task is deserialized once per worker and reused by later tasks.
    """
    from parsl.serialize import deserialize, serialize
    from parsl.serialize.facade import unpack_buffers

    env: dict[str, str] = {}
    try:
        if ctx:
            import json

            env = json.loads(ctx)
            os.environ.update(env)
        fbuf, abuf, kbuf = unpack_buffers(buf)
        f = _functions.get(fbuf)
        if f is None:
            if len(_functions) >= _FUNCTION_CACHE_SIZE:
                _functions.clear()
            f = _functions[fbuf] = deserialize(fbuf)
        common = _no_args or _common()
        make_args, make_kwargs = common.get(abuf), common.get(kbuf)
        result = f(*(make_args() if make_args else deserialize(abuf)),
                   **(make_kwargs() if make_kwargs else deserialize(kbuf)))
    except BaseException:
        return wire.EXCEPTION, _wrap_current_exception()
    finally:
        for key in env:
            os.environ.pop(key, None)
    try:
        return wire.OK, _none if result is None else serialize(result)
    except BaseException:
        return wire.EXCEPTION, _wrap_current_exception()


def _wrap_current_exception() -> bytes:
    from parsl.app.errors import RemoteExceptionWrapper
    from parsl.serialize import serialize

    try:
        return serialize(RemoteExceptionWrapper(*sys.exc_info()))
    except BaseException as e:
        exc = sys.exc_info()[1]
        try:
            raise RuntimeError(f"the task's exception could not be serialized ({e}): {exc!r}")
        except RuntimeError:
            return serialize(RemoteExceptionWrapper(*sys.exc_info()))


def serve(task_fd: int, result_fd: int, run: Callable[[bytes, bytes], tuple[int, bytes]] = execute) -> None:
    """Run tasks read from ``task_fd`` and write results to ``result_fd`` until the pool closes it.

    One read takes every task the pool has sent (it may send several at once), and each result
    is written as soon as its task ends."""
    write_message(result_fd, -1, READY_KIND, 0)
    size = HEADER.size
    chunk = bytearray(_READ_SIZE)
    buf = memoryview(b"")
    while True:
        if len(buf) < size:
            left = bytes(buf)  # a view into ``chunk``, which the read below overwrites
            data = read_into(task_fd, chunk)
            if not data:
                return
            buf = memoryview(left + data) if left else data
            continue
        tid, ctx_len, buf_len = HEADER.unpack_from(buf)
        end = size + ctx_len + buf_len
        if len(buf) < end:  # a large task: read the rest of it in one go
            rest = read_exact(task_fd, end - len(buf))
            if not rest:
                return
            buf = memoryview(bytes(buf) + rest)
        ctx = bytes(buf[size:size + ctx_len])
        task = bytes(buf[size + ctx_len:end])
        buf = buf[end:]
        kind, payload = run(ctx, task)
        write_message(result_fd, tid, kind, len(payload), payload)


def _start_logging(rank: int, log_dir: str, log_conf: str, level: int) -> None:
    import logging

    from parsl_executor_htex.logsetup import LOGGER_PREFIX, load_log_config, start_logging

    start_logging(log_dir, f"worker_{rank}", load_log_config(log_conf), level)
    logging.getLogger(f"{LOGGER_PREFIX}.worker").info("worker %d started: pid %d", rank, os.getpid())


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if len(argv) > 2 and argv[2]:
        os.sched_setaffinity(0, [int(c) for c in argv[2].split(",")])
    import parsl.app.errors
    import parsl.serialize  # noqa: F401

    if len(argv) > 6:
        _start_logging(int(argv[3]), argv[4], argv[5], int(argv[6]))
    try:
        serve(int(argv[0]), int(argv[1]))
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    main()
