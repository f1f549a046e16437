"""The executor's end of the interchange: its process, the pipes to it, the futures of tasks.

``InterchangeClient`` starts the interchange process with two pipes (``launch``: tasks and
commands to it, results, events and replies from it; a ``pipes.Channel`` at each end) and waits
until it reports its worker port. An isolated task is sent at once by ``submit``; tasks
submitted in a burst go to an outbox that one I/O thread sends in batches (one message for many
tasks). The thread turns result batches into future results, manager and worker losses into
``ManagerLost``/``WorkerLost``, and the death of the interchange process (its pipe closes, or
the process is gone) into ``InterchangeLost`` for every outstanding task.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import select
import subprocess
import threading
import time
from concurrent.futures import Future, InvalidStateError
from typing import IO, Any, Callable, Optional, Sequence

from parsl.dataflow.lightfuture import LightFuture
from parsl_executor_htex import pipes, wire
from parsl_executor_htex.errors import (
    CommandClientBadError,
    CommandClientTimeoutError,
    InterchangeLost,
    ManagerLost,
    WorkerLost,
)

logger = logging.getLogger(__name__)

#: How often the I/O thread checks that the interchange process still runs (its closed pipe
#: tells at once when it exits; this catches an interchange_launch_cmd wrapper that holds it open).
LIVENESS_PERIOD = 0.2
_MAX_TASKS_PER_MESSAGE = 1000
#: A task submitted this long (s) after the previous one is sent at once from the submitting
#: thread; tasks closer together go through the I/O thread, which sends them in batches.
BURST_GAP = 0.0002


class HTEXFuture(LightFuture):
    """A task's future (the core's lazily-allocating Future); ``parsl_executor_task_id`` is its id."""

    __slots__ = ("parsl_executor_task_id",)

    def __init__(self, task_id: int) -> None:
        super().__init__()
        self.parsl_executor_task_id = task_id


class InterchangeClient:
    """Starts the interchange and carries tasks, results, events and commands (module docstring)."""

    def __init__(self, *, logdir: str, tasks: Optional[dict[Any, Future]] = None,
                 on_event: Callable[[dict[str, Any]], None],
                 on_lost: Callable[[BaseException], None]) -> None:
        self.logdir = logdir
        self.on_event = on_event
        self.on_lost = on_lost
        self.tasks: dict[Any, Future] = {} if tasks is None else tasks
        self.proc: Optional[subprocess.Popen] = None
        self._channel: Optional[pipes.Channel] = None
        self.worker_port: Optional[int] = None
        self._ids = itertools.count()
        self._outbox: list[wire.Task] = []
        self._names: dict[int, str] = {}  # function names of tasks with a resource request
        self._commands: list[bytes] = []
        self._outbox_lock = threading.Lock()
        self._send_lock = threading.Lock()  # one writer at a time on the pipe to the interchange
        self._wake_r, self._wake_w = os.pipe()
        self._woken = False
        self._last_submit = 0.0
        self._replies: dict[int, Future] = {}
        self._ready: Future = Future()
        self._closing = threading.Event()
        self._closed = False
        self._lost: Optional[BaseException] = None
        self._bad_commands = False
        self._thread = threading.Thread(target=self._io_loop, name="HTEX-Interchange-IO", daemon=True)

    # -- start-up ---------------------------------------------------------------------------

    def start(self, launch_cmd: Sequence[str], config: dict[str, Any], timeout: float = 60) -> int:
        """Start the interchange with ``config``; return its worker port once it is bound."""
        config = dict(config, parent_pid=os.getpid(), logdir=self.logdir)
        os.makedirs(self.logdir, exist_ok=True)
        self.stderr_path = os.path.join(self.logdir, "interchange.stderr")
        with open(self.stderr_path, "wb") as err:
            self.proc, self._channel = launch(launch_cmd, config, err)
        self._thread.start()
        try:
            ready = self._ready.result(timeout)
        except TimeoutError:
            raise RuntimeError(f"the interchange did not start within {timeout}s; see {self.stderr_path} "
                               f"and {self.logdir}/interchange.log") from None
        self.worker_port = int(ready["worker_port"])
        return self.worker_port

    @property
    def pid(self) -> Optional[int]:
        """The interchange's process id (None before ``start``)."""
        return None if self.proc is None else self.proc.pid

    # -- the submit side --------------------------------------------------------------------

    def submit(self, task_id: int, buf: bytes, priority: float = wire.NO_PRIORITY, ctx: bytes = b"",
               res: bytes = b"", name: str = "") -> Future:
        """Send one task; ``res`` is its packed resource request, ``name`` its function's (for errors)."""
        if self._lost is not None:
            raise self._lost
        fut = HTEXFuture(task_id)
        self.tasks[task_id] = fut
        if res:
            self._names[task_id] = name
        task = wire.make_task((priority, task_id, ctx, buf, res))
        now = time.monotonic()
        with self._outbox_lock:
            isolated = now - self._last_submit > BURST_GAP and not self._outbox
            self._last_submit = now
            if not isolated:
                self._outbox.append(task)
        if isolated:
            with self._send_lock:
                self._send_tasks([task])
        else:
            self._wake()
        if self._lost is not None:  # lost while this task was being added: the I/O thread may have missed it
            self._fail([task_id], self._lost)
        return fut

    def _wake(self) -> None:
        """Wake the I/O thread, once per batch. Not with the outbox lock held: the woken thread
        takes it at once, and would only block on it."""
        with self._outbox_lock:
            if self._woken:
                return
            self._woken = True
        os.write(self._wake_w, b"!")

    def command(self, name: str, *args: Any, timeout: float = 10) -> Any:
        """Run ``cmd_<name>(*args)`` in the interchange and return its reply."""
        if self._bad_commands:
            raise CommandClientBadError("an earlier command to the interchange timed out")
        if self._closing.is_set() or (self.proc is not None and self.proc.poll() is not None):
            raise CommandClientBadError("the interchange is not running")
        req_id = next(self._ids)
        fut: Future = Future()
        self._replies[req_id] = fut
        with self._outbox_lock:
            self._commands.append(pickle.dumps((req_id, name, args)))
        self._wake()
        try:
            reply = fut.result(timeout)
        except TimeoutError:
            self._bad_commands = True
            raise CommandClientTimeoutError(f"the interchange did not answer {name!r} within {timeout}s") from None
        finally:
            self._replies.pop(req_id, None)
        if isinstance(reply, Exception):
            raise reply
        return reply

    # -- the receiver thread ----------------------------------------------------------------

    def _io_loop(self) -> None:
        assert self._channel is not None
        channel = self._channel
        poller = select.poll()
        poller.register(channel.read_fd, select.POLLIN)
        poller.register(self._wake_r, select.POLLIN)
        next_check = time.monotonic() + LIVENESS_PERIOD
        while not self._closing.is_set():
            for fd, _ in poller.poll(int(LIVENESS_PERIOD * 1000)):
                if fd == self._wake_r:
                    self._send_outbox()
                    continue
                try:
                    messages = channel.receive()
                except (EOFError, OSError):  # the interchange exited (or its wrapper closed the pipe)
                    if not self._closed:
                        self._interchange_died()
                    return
                for frames in messages:
                    try:
                        self._handle(frames)
                    except Exception:
                        logger.exception("cannot handle a message from the interchange")
            now = time.monotonic()
            if now >= next_check:
                next_check = now + LIVENESS_PERIOD
                if self.proc is not None and self.proc.poll() is not None and not self._closing.is_set():
                    self._interchange_died()
                    return

    def _send_outbox(self) -> None:
        os.read(self._wake_r, 4096)
        with self._outbox_lock:  # held briefly: submitting threads append meanwhile
            tasks, commands = self._outbox, self._commands
            self._outbox, self._commands = [], []
            self._woken = False
        with self._send_lock:
            self._send_tasks(tasks)
            for command in commands:
                self._send(wire.COMMAND, command)

    def _send_tasks(self, tasks: list[wire.Task]) -> None:
        """Send ``tasks`` (with the send lock held: the pipe is shared with ``submit``)."""
        for i in range(0, len(tasks), _MAX_TASKS_PER_MESSAGE):
            self._send(wire.pack_tasks(tasks[i:i + _MAX_TASKS_PER_MESSAGE]))

    def _send(self, first: bytes, second: bytes = b"") -> None:
        assert self._channel is not None
        try:
            self._channel.send(first, second)
        except OSError:  # the interchange is gone (or the pipe closed at shutdown): the I/O thread reports it
            pass

    def _handle(self, frames: list[bytes]) -> None:
        tag = frames[0][:1]
        if tag == wire.RESULTS:
            self._results(wire.unpack_results(frames[0]))
        elif tag == wire.EVENT:
            event = pickle.loads(frames[1])
            if event["type"] == "manager_lost":
                self._fail(event["task_ids"], ManagerLost(event["manager_id"], event["hostname"], event["reason"]))
            self.on_event(event)
        elif tag == wire.REPLY:
            req_id, value = pickle.loads(frames[1])
            fut = self._replies.get(req_id)
            if fut is not None:
                fut.set_result(value)
        elif tag == wire.READY:
            self._ready.set_result(pickle.loads(frames[1]))

    def _results(self, results: Sequence[wire.Result]) -> None:
        from parsl.serialize import deserialize

        pop = self.tasks.pop
        names = self._names
        for tid, kind, view in results:
            payload = bytes(view)
            fut = pop(tid, None)
            name = names.pop(tid, "") if names else ""
            if fut is None:
                continue
            if fut.done():  # failed already (executor shut down or in a bad state)
                continue
            if kind == wire.OK:
                try:
                    value = deserialize(payload)
                except Exception as e:
                    _settle(fut, exception=e)
                else:
                    _settle(fut, value)
            elif kind == wire.EXCEPTION:
                _settle(fut, exception=_remote_exception(payload))
            elif kind == wire.WORKER_LOST:
                _settle(fut, exception=WorkerLost(*pickle.loads(payload)))
            else:
                _settle(fut, exception=_resource_error(kind, pickle.loads(payload), tid, name))

    def _fail(self, task_ids: Sequence[int], exc: BaseException) -> None:
        for tid in task_ids:
            fut = self.tasks.pop(tid, None)
            self._names.pop(tid, None)
            if fut is not None:
                _settle(fut, exception=exc)

    def _interchange_died(self) -> None:
        assert self.proc is not None
        try:
            self.proc.wait(LIVENESS_PERIOD)  # its exit code, when its pipe closed as it exited
        except subprocess.TimeoutExpired:
            pass
        exc = InterchangeLost(self.proc.pid, self.proc.returncode, os.path.join(self.logdir, "interchange.log"))
        self._lost = exc
        logger.error("%s", exc)
        if not self._ready.done():
            self._ready.set_exception(RuntimeError(
                f"the interchange failed to start (pid {self.proc.pid}, exit code {self.proc.returncode}): "
                f"{_tail(self.stderr_path)}\n(its output: {self.stderr_path})"))
        for fut in list(self._replies.values()):
            if not fut.done():
                fut.set_result(CommandClientBadError(str(exc)))
        self.on_lost(exc)
        self._fail(list(self.tasks), exc)

    # -- shut-down --------------------------------------------------------------------------

    def close(self, timeout: float = 5) -> None:
        """Stop the interchange (politely, then by signal) and release every socket and thread.

        Closing twice does nothing the second time.
        """
        if self._closed:
            return
        self._closed = True
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.command("shutdown", timeout=min(2.0, timeout))
            except Exception as e:
                logger.info("interchange did not acknowledge shutdown: %s", e)
        self._closing.set()
        if self.proc is not None:
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._thread.is_alive():
            os.write(self._wake_w, b"!")
            self._thread.join(timeout)
        if self._channel is not None:
            self._channel.close()
        os.close(self._wake_r)
        os.close(self._wake_w)


def launch(launch_cmd: Sequence[str], config: dict[str, Any], output: Optional[IO[bytes]]) -> tuple[subprocess.Popen,
                                                                                        pipes.Channel]:
    """Start the interchange with ``config`` (on its stdin) and the pipes to it; its output goes
    to ``output``. Returns the process and this end of the pipes."""
    tasks_r, tasks_w = pipes.pipe()
    results_r, results_w = pipes.pipe()
    config = dict(config, client_fds=(tasks_r, results_w))
    try:
        proc = subprocess.Popen(list(launch_cmd), stdin=subprocess.PIPE, stdout=output, stderr=output,
                                pass_fds=(tasks_r, results_w))
    except BaseException:
        os.close(tasks_w)
        os.close(results_r)
        raise
    finally:
        os.close(tasks_r)
        os.close(results_w)
    assert proc.stdin is not None
    proc.stdin.write(pickle.dumps(config))
    proc.stdin.close()
    return proc, pipes.Channel(results_r, tasks_w, buffered=False)


def _tail(path: str, size: int = 2048) -> str:
    """The last ``size`` bytes of a text file, or a note that it cannot be read."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - size))
            return f.read().decode(errors="replace").strip()
    except OSError as e:
        return f"(cannot read it: {e})"


def _settle(fut: Future, value: Any = None, exception: Optional[BaseException] = None) -> None:
    """Complete ``fut`` unless another thread completed it first (shutdown, bad state)."""
    try:
        if exception is not None:
            fut.set_exception(exception)
        else:
            fut.set_result(value)
    except InvalidStateError:
        pass


def _resource_error(kind: int, detail: tuple, tid: int, name: str) -> BaseException:
    """The error of a task stopped at its ``running_time`` or rejected for its resource request."""
    task = f"task {tid} ({name})" if name else f"task {tid}"
    if kind == wire.TIMEOUT:
        from parsl.app.errors import AppTimeout

        limit, worker, hostname = detail
        return AppTimeout(f"{task} exceeded its running_time of {limit:g} s on worker {worker} of host {hostname}; "
                          f"the worker was killed and replaced")
    from parsl.executors.errors import InvalidResourceSpecification

    keys, message = detail
    return InvalidResourceSpecification(set(keys), f"{task}: {message}")


def _remote_exception(payload: bytes) -> BaseException:
    """The exception a task raised, rebuilt from its serialized ``RemoteExceptionWrapper``."""
    from parsl.app.errors import RemoteExceptionWrapper
    from parsl.serialize import deserialize
    from parsl.serialize.errors import DeserializationError

    try:
        wrapper = deserialize(payload)
    except Exception as e:
        return DeserializationError(f"the task failed, and its exception could not be deserialized: {e}")
    if isinstance(wrapper, RemoteExceptionWrapper):
        try:
            wrapper.reraise()
        except BaseException as e:
            return e
    if isinstance(wrapper, BaseException):
        return wrapper
    return DeserializationError(f"the task failed with a non-exception {type(wrapper).__name__}")
