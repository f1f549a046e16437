"""The interchange: its own process, between the executor and the worker pools of every block.

Started by the executor (``python -m parsl_executor_htex.interchange`` or the
``parsl-htex-interchange`` script) with its settings pickled on stdin. It talks to the executor
over the two pipes the executor passed it (``client_fds``: tasks and commands in, results,
events and replies out; see ``pipes.Channel``), binds one ROUTER socket for worker pools on the
configured address only, and runs a single-threaded event loop:

- tasks from the executor wait in a priority queue (``priority`` of the resource specification,
  lower first, then submission order; ``task_queue``, which slices the executor's frames) until
  a pool has free capacity: its workers plus ``prefetch_capacity``, plus, while that pool's
  recent tasks each took less than ``SHORT_TASK`` seconds, up to ``SHORT_TASK_PREFETCH`` more per
  worker, as many as run in ``PREFETCH_WORK`` seconds (so that short tasks run back to back, and
  travel in larger batches, instead of each waiting for a round trip to the interchange; long
  tasks are never queued behind one another this way, which keeps Parsl's load balancing where it
  matters).
  A task's time is measured here, from its dispatch to the arrival of its result, divided by its
  place in the pool's queue when it was sent (tasks held / workers, rounded up): the wait behind
  the tasks prefetched ahead of it is not its own time (counted, a deeper prefetch made no-op
  tasks look long under load, which would turn the prefetch off and on again). The interchange
  cannot see when a result arrived, only when it reads it, and while it is busy results wait
  unread: counting that wait, a thousand pools made every task look long, which halved the
  batches and so lengthened the wait (a spiral down to a third of the throughput). So a result
  counts as arrived at the last moment the pools' socket was seen empty
  (``Interchange.empty_at``: a poll that found nothing or had to wait, a read that emptied it;
  a poll that waits returns as soon as a message comes in); a saturated interchange
  thus sees short tasks, and a task that takes longer than the loop's passes is timed within one;
- while tasks with a resource request (``cores``, ``memory``, ``disk``, ``running_time``) wait,
  tasks leave one at a time in strict order, each to a ready pool with room for it: what the pool
  advertised at registration minus what the tasks it holds reserve (``ManagerRecord.fits_now``);
  a request that no connected pool could fit even when idle is failed at once with a
  ``REJECTED`` result (checked when such tasks arrive and when pools join or are lost; before
  any pool has connected, they wait);
- results from pools are forwarded to the executor unchanged, in the batches they came in;
- pools that stay silent longer than ``heartbeat_threshold``, or that say they exit, are dropped
  and the executor is told which tasks they held (it fails them with ``ManagerLost``);
- commands from the executor list managers, hold (drain) blocks or managers, and shut down.

The interchange exits when told to, on SIGTERM, or when the executor's process is gone (its
task pipe closes, or its pid is gone).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import signal
import sys
import time
from typing import Any, Optional, Sequence

import zmq

from parsl_executor_htex import wire
from parsl_executor_htex.curvezmq import Context
from parsl_executor_htex.logsetup import LOGGER_PREFIX, start_logging
from parsl_executor_htex.manager_selector import ManagerSelector, RandomManagerSelector
from parsl_executor_htex.pipes import Channel
from parsl_executor_htex.task_queue import TaskQueue
from parsl_executor_htex.version import PYTHON, VERSION

logger = logging.getLogger(f"{LOGGER_PREFIX}.interchange")

_HOUSEKEEPING = 0.5  # seconds between checks of heartbeats and of the executor's process
#: Tasks quicker than this (s, moving average; see the module docstring) get automatic prefetch:
#: as many more tasks per worker as take PREFETCH_WORK seconds, at most SHORT_TASK_PREFETCH
#: (4 at SHORT_TASK: a task waits at most about 40 ms behind others).
SHORT_TASK = 0.01
SHORT_TASK_PREFETCH = 16
PREFETCH_WORK = 0.04
_AVERAGING = 0.1  # weight of the newest task in the moving average of task durations
_SLACK = 1e-9  # rounding allowance when comparing requests with capacities
#: Messages read from the pools per pass of the event loop before it dispatches: the pools whose
#: results were read get new tasks within a pass (a thousand messages took about 100 ms).
_READ_BATCH = 100


class ManagerRecord:
    """What the interchange knows of one connected worker pool."""

    __slots__ = (
        "block_id",
        "capacity",
        "default_need",
        "draining",
        "held",
        "hostname",
        "idle_since",
        "info",
        "last_seen",
        "manager_id",
        "mean_duration",
        "tasks",
        "total",
        "worker_count",
    )

    def __init__(self, manager_id: bytes, info: dict[str, Any], now: float) -> None:
        self.manager_id = manager_id
        self.block_id = str(info.get("block_id"))
        self.hostname = info.get("hostname", "?")
        self.worker_count = int(info["worker_count"])
        self.capacity = self.worker_count + int(info.get("prefetch_capacity", 0))
        #: task id -> when it was sent to this pool, and its place in the pool's queue then: 1 if
        #: a worker was free for it, 2 if it had to wait for one task to finish first, ...
        self.tasks: dict[int, tuple[float, int]] = {}
        self.mean_duration = float("inf")
        self.last_seen = now
        self.idle_since = now
        self.draining = False
        self.info = info
        res = info.get("resources") or {}
        inf = float("inf")
        self.total = (float(res.get("cores", inf)), float(res.get("memory", inf)), float(res.get("disk", inf)))
        self.default_need = tuple(info.get("default_need") or (0.0, 0.0, 0.0))
        self.held: dict[int, tuple[float, float, float]] = {}  # what its resource tasks reserve

    def need(self, request: wire.Resources) -> tuple[float, float, float]:
        """What a task with ``request`` reserves on this pool: cores, memory, disk."""
        return request.need(self.default_need)

    def could_fit(self, request: wire.Resources) -> bool:
        """Whether this pool could ever run a task with ``request`` (when idle)."""
        return all(n <= t + _SLACK for n, t in zip(self.need(request), self.total))

    def fits_now(self, request: wire.Resources) -> bool:
        """Whether ``request`` fits beside the tasks this pool holds (others take one worker's share each)."""
        plain = min(len(self.tasks) - len(self.held), self.worker_count)
        used = [plain * d for d in self.default_need]
        for need in self.held.values():
            used = [u + n for u, n in zip(used, need)]
        return all(n + u <= t + _SLACK for n, u, t in zip(self.need(request), used, self.total))

    def limit(self) -> int:
        """How many tasks this pool may hold now (see ``SHORT_TASK``)."""
        mean = self.mean_duration
        if mean < SHORT_TASK:
            extra = SHORT_TASK_PREFETCH if mean * SHORT_TASK_PREFETCH <= PREFETCH_WORK else int(PREFETCH_WORK / mean)
            return self.capacity + extra * self.worker_count
        return self.capacity

    def sent(self, task_ids: Sequence[int], now: float) -> None:
        """Record tasks sent to this pool at ``now``, with their places in its queue."""
        tasks, workers = self.tasks, max(1, self.worker_count)
        for place, tid in enumerate(task_ids, len(tasks) + workers):
            tasks[tid] = (now, place // workers)

    def finished(self, task_ids: Any, arrived: float) -> None:
        """Forget finished tasks and fold their durations into the moving average; their results
        arrived at ``arrived`` or later (a task sent after it counts as taking no time)."""
        tasks = self.tasks
        mean = self.mean_duration
        for tid in task_ids:
            record = tasks.pop(tid, None)
            if record is not None:
                sent, place = record
                took = (arrived - sent) / place if arrived > sent else 0.0
                mean = took if mean == float("inf") else mean + _AVERAGING * (took - mean)
        self.mean_duration = mean
        if self.held:
            for tid in task_ids:
                self.held.pop(tid, None)

    def describe(self, now: float) -> dict[str, Any]:
        return {
            "manager": self.manager_id.decode(), "block_id": self.block_id, "hostname": self.hostname,
            "worker_count": self.worker_count, "tasks": len(self.tasks), "active": not self.draining,
            "draining": self.draining, "idle_duration": now - self.idle_since if not self.tasks else 0.0,
            "python_version": self.info.get("python_version"), "parsl_version": self.info.get("version"),
            "resources": dict(zip(wire.RESOURCE_NAMES, self.total)),
        }


class _Stop(Exception):
    """Raised by the SIGTERM handler to leave the event loop."""


class Interchange:
    """The interchange's sockets, queue and managers (see the module docstring)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.heartbeat_threshold = float(config["heartbeat_threshold"])
        self.selector: ManagerSelector = config.get("manager_selector") or RandomManagerSelector()
        self.parent_pid = config.get("parent_pid", os.getppid())
        self.initial_ppid = os.getppid()  # differs from parent_pid under an interchange_launch_cmd wrapper
        self.ctx = Context(config.get("cert_dir"))
        self.client = Channel(*config["client_fds"], buffered=True)

        bind = config.get("interchange_address") or "*"
        self.wsock = self.ctx.socket(zmq.ROUTER, server=True, address=bind)
        self.wsock.setsockopt(zmq.ROUTER_MANDATORY, 1)
        try:
            if config.get("worker_port"):
                self.worker_port = int(config["worker_port"])
                self.wsock.bind(wire.tcp_url(bind, self.worker_port))
            else:
                low, high = config.get("worker_port_range") or (54000, 55000)
                self.worker_port = self.wsock.bind_to_random_port(wire.tcp_url(bind), low, high)
        except zmq.ZMQError as e:
            ports = config.get("worker_port") or "{}-{}".format(*(config.get("worker_port_range") or (54000, 55000)))
            raise SystemExit(f"parsl-htex-interchange: cannot bind the worker port on {bind} (port {ports}): {e}. "
                             f"Is address={bind!r} an address of this host, and the port free?") from None

        self.pending = TaskQueue()
        self.resource_pending = 0  # tasks in ``pending`` with a resource request
        self.managers: dict[bytes, ManagerRecord] = {}
        self.ready: set[bytes] = set()
        self.empty_at = 0.0  # when the pools' socket was last seen with nothing to read (monotonic)
        self.stopping = False
        self.python = PYTHON

    # -- the event loop ---------------------------------------------------------------------

    def run(self) -> None:
        self._send_client(wire.READY, {"worker_port": self.worker_port, "pid": os.getpid()})
        poller = zmq.Poller()
        tasks_in, results_out = self.client.read_fd, self.client.write_fd
        poller.register(tasks_in, zmq.POLLIN)
        poller.register(self.wsock, zmq.POLLIN)
        next_check = time.monotonic() + _HOUSEKEEPING
        writing = False
        while not self.stopping:
            events = dict(poller.poll(0))
            if not events:  # nothing to read: wait (what wakes the poll came in just then)
                events = dict(poller.poll(int(_HOUSEKEEPING * 1000)))
                self.empty_at = time.monotonic()
            elif self.wsock not in events:
                self.empty_at = time.monotonic()
            if tasks_in in events:
                self._from_client()
            if self.wsock in events:
                self._from_managers()
            if self.pending and self.ready:
                self._dispatch()
            if results_out in events:
                self.client.flush()
            if self.client.pending != writing:  # the executor is slow to read: wait until it can take more
                writing = self.client.pending
                if writing:
                    poller.register(results_out, zmq.POLLOUT)
                else:
                    poller.unregister(results_out)
            now = time.monotonic()
            if now >= next_check:
                self._housekeeping(now)
                next_check = now + _HOUSEKEEPING

    def _send_client(self, tag: bytes, obj: Any) -> None:
        self.client.send(tag, pickle.dumps(obj))

    def _from_client(self) -> None:
        try:
            messages = self.client.receive()
        except EOFError:
            logger.error("the executor closed its pipe: exiting")
            self.cmd_shutdown()
            return
        for f in messages:
            if f[0][:1] == wire.TASKS:
                requests = self.pending.add(f[0])
                if requests:
                    self.resource_pending += requests
                    if self.managers:
                        self._reject_impossible()
            elif f[0] == wire.COMMAND:
                req_id, name, args = pickle.loads(f[1])
                try:
                    reply: Any = getattr(self, f"cmd_{name}")(*args)
                except Exception as e:
                    logger.exception("command %s%r failed", name, args)
                    reply = e
                self._send_client(wire.REPLY, (req_id, reply))

    def _from_managers(self) -> None:
        now = time.monotonic()
        results: list[bytes] = []
        for f in wire.drain(self.wsock, _READ_BATCH):
            try:
                self._manager_message(f, now, results)
            except Exception:  # a malformed message must not take the interchange down
                logger.exception("dropped a malformed message from manager %r", f[0] if f else None)
        if not int(self.wsock.getsockopt(zmq.EVENTS)) & zmq.POLLIN:
            self.empty_at = time.monotonic()
        if results:
            self.client.send(wire.merge_results(results))

    def _manager_message(self, f: list[bytes], now: float, results: list[bytes]) -> None:
        """Handle one message from a pool; result batches are collected in ``results``."""
        mid, tag = f[0], f[1][:1]
        rec = self.managers.get(mid)
        if tag == wire.RESULTS and rec is not None:
            rec.last_seen = now
            rec.finished(wire.result_ids(f[1]), self.empty_at)
            results.append(f[1])
            if not rec.tasks:
                rec.idle_since = now
            if not rec.draining:
                self.ready.add(mid)
        elif tag == wire.HEARTBEAT and rec is not None:
            rec.last_seen = now
            self._send_manager(mid, [wire.HEARTBEAT])
        elif tag == wire.PROBE:
            self._send_manager(mid, [wire.PROBE])
        elif tag == wire.REGISTER:
            self._register(mid, json.loads(f[2]), now)
        elif rec is None:
            if tag != wire.EXIT:
                logger.warning("message %r from unknown manager %r: telling it to stop", tag, mid)
                self._send_manager(mid, [wire.STOP, b"unknown manager (declared lost earlier?)"])
        elif tag == wire.DRAIN:
            rec.draining = True
            self.ready.discard(mid)
        elif tag == wire.EXIT:
            why = f[2].decode(errors="replace") if len(f) > 2 else "no reason given"
            self._lose(mid, f"its worker pool exited: {why}")

    def _register(self, mid: bytes, info: dict[str, Any], now: float) -> None:
        if info.get("python") != self.python or info.get("version") != VERSION:
            message = (f"worker pool {mid.decode()} on {info.get('hostname')} runs Python {info.get('python')} "
                       f"and parsl-executor-htex {info.get('version')}; the interchange runs Python "
                       f"{self.python} and {VERSION}")
            logger.error("rejected: %s", message)
            self._send_manager(mid, [wire.STOP, message.encode()])
            self._send_client(wire.EVENT, {"type": "manager_rejected", "block_id": str(info.get("block_id")),
                                           "message": message})
            return
        rec = ManagerRecord(mid, info, now)
        self.managers[mid] = rec
        self.ready.add(mid)
        if self.resource_pending:
            self._reject_impossible()
        logger.info("manager %s registered: %s", mid, info)
        self._send_client(wire.EVENT, {"type": "manager_joined", "manager_id": mid, "block_id": rec.block_id,
                                       "hostname": rec.hostname, "worker_count": rec.worker_count})

    def _send_manager(self, mid: bytes, frames: list[Any]) -> bool:
        try:
            self.wsock.send_multipart([mid, *frames])
            return True
        except zmq.ZMQError as e:
            logger.warning("cannot send to manager %r: %s", mid, e)
            return False

    def _dispatch(self) -> None:
        if self.resource_pending:
            self._dispatch_in_order()
            return
        pending = self.pending
        order = list(self.ready) if len(self.ready) == 1 else self.selector.sort_managers(self.managers, self.ready)
        for mid in order:
            rec = self.managers[mid]
            limit = rec.limit()
            n = min(limit - len(rec.tasks), len(pending))
            if n <= 0:
                self.ready.discard(mid)
                continue
            frame, ids = pending.take(n)
            try:
                self.wsock.send_multipart([mid, frame], copy=len(frame) < wire.COPY_THRESHOLD)
            except zmq.ZMQError as e:
                pending.add(frame, front=True)
                self._lose(mid, f"it could not be reached ({e})")
                continue
            rec.sent(ids, time.monotonic())
            if len(rec.tasks) >= limit:
                self.ready.discard(mid)
            if not pending:
                return

    def _dispatch_in_order(self) -> None:
        """Send tasks one at a time while some have resource requests: each goes to a ready pool
        with room for it; when the first waiting task fits no ready pool, the others wait too."""
        ready, managers = self.ready, self.managers
        order = [m for m in self.selector.sort_managers(managers, ready)
                 if len(managers[m].tasks) < managers[m].limit()]
        ready.intersection_update(order)
        while self.pending and order:
            task = self.pending.first()
            assert task is not None
            request = wire.unpack_resources(task.res) if task.res else None
            fits = order if request is None else [m for m in order if managers[m].fits_now(request)]
            if not fits:
                return
            mid = fits[0]
            self.pending.pop()
            rec = managers[mid]
            if not self._send_manager(mid, [wire.pack_tasks([task])]):
                self.pending.push_front(task)
                order.remove(mid)
                self._lose(mid, "it could not be reached")
                continue
            if request is not None:
                self.resource_pending -= 1
                rec.held[task.tid] = rec.need(request)
            rec.sent((task.tid,), time.monotonic())
            if len(rec.tasks) >= rec.limit():
                ready.discard(mid)
                order.remove(mid)

    def _reject_impossible(self) -> None:
        """Fail the waiting tasks whose request no connected pool could ever fit."""
        managers = list(self.managers.values())
        ids, payloads = [], []
        for task in self.pending.requests():
            request = wire.unpack_resources(task.res)
            if not any(rec.could_fit(request) for rec in managers):
                ids.append(task.tid)
                payloads.append(pickle.dumps(_rejection(request, managers)))
        if ids:
            self.pending.drop(set(ids))
            self.resource_pending -= len(ids)
            logger.warning("rejected tasks %s: their resource requests fit no connected pool", ids)
            self.client.send(wire.pack_results(ids, bytes([wire.REJECTED]) * len(ids), payloads))

    def _lose(self, mid: bytes, reason: str, silent: bool = False) -> None:
        """Drop manager ``mid`` and tell the executor which tasks it held.

        ``silent``: it stopped answering (killed, hung, cut off) rather than saying it exits; the
        executor then ends its block once no other manager of that block is left.
        """
        rec = self.managers.pop(mid)
        self.ready.discard(mid)
        logger.warning("manager %s on %s (block %s) lost: %s; %d tasks lost",
                       mid, rec.hostname, rec.block_id, reason, len(rec.tasks))
        block_left = sum(1 for other in self.managers.values() if other.block_id == rec.block_id)
        self._send_client(wire.EVENT, {"type": "manager_lost", "manager_id": mid, "hostname": rec.hostname,
                                       "block_id": rec.block_id, "task_ids": sorted(rec.tasks), "reason": reason,
                                       "silent": silent, "block_managers_left": block_left})
        if self.resource_pending and self.managers:
            self._reject_impossible()

    def _housekeeping(self, now: float) -> None:
        for mid, rec in list(self.managers.items()):
            if now - rec.last_seen > self.heartbeat_threshold:
                self._lose(mid, f"no heartbeat for {now - rec.last_seen:.1f}s "
                                f"(heartbeat_threshold={self.heartbeat_threshold:g}s)", silent=True)
                self._send_manager(mid, [wire.STOP, b"missed heartbeats"])
        if os.getppid() != self.initial_ppid or not _alive(self.parent_pid):
            logger.error("the executor's process %d is gone: exiting", self.parent_pid)
            self.cmd_shutdown()

    # -- commands from the executor (``cmd_<name>``) ----------------------------------------

    def cmd_managers(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        return [rec.describe(now) for rec in self.managers.values()]

    def cmd_managers_packages(self) -> dict[str, dict[str, str]]:
        return {rec.manager_id.decode(): rec.info.get("packages", {}) for rec in self.managers.values()}

    def cmd_connected_blocks(self) -> list[str]:
        return sorted({rec.block_id for rec in self.managers.values()})

    def cmd_worker_binds(self) -> int:
        return self.worker_port

    def cmd_outstanding(self) -> int:
        return len(self.pending) + sum(len(rec.tasks) for rec in self.managers.values())

    def cmd_hold_manager(self, manager: str) -> bool:
        mid = manager.encode()
        rec = self.managers.get(mid)
        if rec is None:
            return False
        rec.draining = True
        self.ready.discard(mid)
        self._send_manager(mid, [wire.DRAIN])
        return True

    def cmd_hold_block(self, block_id: str) -> list[str]:
        held = [rec.manager_id.decode() for rec in self.managers.values() if rec.block_id == str(block_id)]
        for manager in held:
            self.cmd_hold_manager(manager)
        return held

    def cmd_shutdown(self) -> bool:
        for mid in list(self.managers):
            self._send_manager(mid, [wire.STOP, b"interchange shutting down"])
        self.stopping = True
        return True

    def close(self) -> None:
        self.client.drain(timeout=1)
        self.client.close()
        self.ctx.term(linger=1000)


def _rejection(request: wire.Resources, managers: list[ManagerRecord]) -> tuple[list[str], str]:
    """The keys and message of the error of a task whose ``request`` fits none of ``managers``."""
    units = {"cores": "", "memory": " MB", "disk": " MB"}
    asked = {k: v for k, v in zip(wire.RESOURCE_NAMES, request) if v != wire.NOT_GIVEN and k in units}
    largest = max(managers, key=lambda rec: rec.total)
    have = dict(zip(wire.RESOURCE_NAMES, largest.total))
    keys = [k for k, v in asked.items() if v > have[k] + _SLACK] or list(asked)
    return keys, (f"it asks for {', '.join(f'{k}={v:g}{units[k]}' for k, v in asked.items())}, more than any "
                  f"of the {len(managers)} connected worker pool(s) can ever provide; the largest (by cores), "
                  f"on {largest.hostname} (block {largest.block_id}), has "
                  f"{', '.join(f'{k}={have[k]:.0f}{units[k]}' for k in units)}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _raise_stop(signum: int, frame: Any) -> None:
    raise _Stop()


def main(argv: Optional[list[str]] = None) -> None:
    """Read the pickled settings from stdin, run until told to stop."""
    config = pickle.load(sys.stdin.buffer)
    start_logging(config.get("logdir") or ".", "interchange", config.get("log_config"),
                  config.get("logging_level", logging.INFO))
    ix = Interchange(config)
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        ix.run()
    except _Stop:
        ix.cmd_shutdown()
    finally:
        ix.close()
    logger.info("interchange exited")


if __name__ == "__main__":
    main()
