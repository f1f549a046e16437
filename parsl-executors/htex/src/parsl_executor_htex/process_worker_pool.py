"""The worker pool ("manager"): one per node, it runs worker processes and talks to the interchange.

Started by the block's job through the launcher (``python -m parsl_executor_htex.process_worker_pool``
or the ``parsl-htex-worker-pool`` script). It finds the interchange among the candidate
addresses, registers, then runs one event loop: tasks from the interchange go to idle workers
over pipes, results come back and go to the interchange, workers that die are reported
(``WorkerLost`` for their task) and replaced, and heartbeats flow both ways.

Each task reserves cores, memory (MB) and disk (MB) from the pool while it runs: its
``cores``/``memory``/``disk`` request, or for what it does not ask for, one worker's share
(``cores_per_worker``, ``mem_per_worker``, no disk). The pool's capacity is the node's cores
and memory (as counted for the number of workers) and the free space of its working directory;
tasks start in the order they arrived, each once enough capacity is free. A task still running
after its ``running_time`` has its worker (and the worker's process group) killed, fails with
``AppTimeout``, and the worker is replaced. While the pool's tasks are short
(``PIPELINE_TASK``), a worker is sent several tasks at once (``PIPELINE_DEPTH``; tasks without a
resource request, outside MPI mode), which it runs back to back: one message to the worker and
one wake-up of the pool serve several tasks. While every worker already has its next task
waiting, results are held back briefly (``RESULT_BATCH``, ``RESULT_DELAY``) so that they travel
in batches; otherwise they leave at once. The pool exits
when the interchange goes silent for ``--hb_threshold`` seconds, when told to drain or
stop, or on SIGTERM; its workers die with it.

Exit codes: 0 normal, 2 no candidate address reached the interchange, 3 interchange lost,
4 workers keep dying before they are ready (their stderr is the pool's).
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import pickle
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from typing import Any, Optional

import zmq

from parsl_executor_htex import placement, wire
from parsl_executor_htex.curvezmq import Context
from parsl_executor_htex.logsetup import LOGGER_PREFIX, load_log_config, start_logging
from parsl_executor_htex.pipes import HEADER, read_into, write_all
from parsl_executor_htex.version import PYTHON, VERSION
from parsl_executor_htex.worker import READY_KIND


def _installed_packages() -> dict[str, str]:
    """Distribution name -> version of what this pool's Python has installed (for the submit side).

    ``parsl`` is listed too, as parsl-core's version: the ``parsl`` package Parsl users ask about.
    """
    from importlib.metadata import distributions

    packages = {d.metadata["Name"]: d.version for d in distributions() if d.metadata["Name"]}
    if "parsl-core" in packages:
        packages.setdefault("parsl", packages["parsl-core"])
    return packages


logger = logging.getLogger(f"{LOGGER_PREFIX}.process_worker_pool")

EXIT_UNREACHABLE = 2
EXIT_INTERCHANGE_LOST = 3
EXIT_WORKERS_FAIL = 4
#: Results wait to travel together while every worker has its next task queued here, until there
#: are this many of them or the oldest has waited this long (s); otherwise they leave at once.
RESULT_BATCH = 64
RESULT_DELAY = 0.002
#: While the pool's tasks take less than PIPELINE_TASK s each (moving average, measured here
#: from a task's start to its result), a worker holds up to PIPELINE_DEPTH tasks, and is sent
#: more once it holds half as many (so a task waits at most about 35 ms behind others on its
#: worker; a slow one among short ones delays those behind it). Slower tasks go one at a time
#: to idle workers, which keeps the load balanced where it matters.
PIPELINE_TASK = 0.005
PIPELINE_DEPTH = 8
_AVERAGING = 0.1  # weight of the newest task in the moving average of task times
#: Workers that die before they are ready this many times in a row make the pool give up.
MAX_START_FAILURES = 5
#: Each worker leads its own process group, so that a task stopped at its running_time leaves no
#: child behind. Not its own session: Linux schedules each session as a group ("autogroup"), which
#: made every task's round trip about 0.1 ms slower.
_OWN_PROCESS_GROUP: dict[str, Any] = (
    {"process_group": 0} if sys.version_info >= (3, 11) else {"preexec_fn": os.setpgrp})
#: Rounding allowance when comparing a task's request with the free capacity (cores_per_worker=0.1...).
_SLACK = 1e-9


class _Stop(Exception):
    """Raised by the SIGTERM handler to leave the event loop."""


class Worker:
    """One worker process, its two pipes and the tasks sent to it (it runs the first)."""

    __slots__ = ("deadline", "inbuf", "limit", "need", "nodes", "proc", "rank", "result_fd", "since", "started",
                 "task_fd", "tasks")

    def __init__(self, rank: int, proc: subprocess.Popen, task_fd: int, result_fd: int) -> None:
        self.rank = rank
        self.proc = proc
        self.task_fd = task_fd
        self.result_fd = result_fd
        self.inbuf = bytearray()
        self.tasks: collections.deque[int] = collections.deque()  # ids, in the order sent
        self.since = 0.0  # when its current task started, as far as the pool knows
        self.started = False
        self.nodes: list[str] = []
        self.need: Optional[tuple[float, float, float]] = None  # what its task reserved, if it asked
        self.deadline: Optional[float] = None  # when its task's running_time ends
        self.limit = 0.0  # its task's running_time

    @property
    def task(self) -> Optional[int]:
        """The task it runs now (None: idle)."""
        return self.tasks[0] if self.tasks else None


class WorkerPool:
    """The pool's state and event loop (see the module docstring)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.uid = args.uid or uuid.uuid4().hex[:12]
        #: ``<logdir>/block-<id>/<uid>``: this pool's ``manager.log`` and its workers' ``worker_<rank>.log``
        self.logdir = os.path.join(args.logdir, f"block-{args.block_id}", self.uid)
        self.hostname = socket.gethostname()
        self.block_id = args.block_id
        self.accelerators = args.available_accelerators or []
        self.count = placement.worker_count(
            cores_per_worker=args.cores_per_worker, mem_per_worker=args.mem_per_worker,
            max_workers_per_node=args.max_workers_per_node, accelerators=self.accelerators)
        self.ctx = Context(args.cert_dir)
        self.total = placement.node_resources(os.getcwd())
        self.default_need = (float(args.cores_per_worker), float(args.mem_per_worker or 0) * 1024, 0.0)
        self.reserving = 0  # workers running a task with a resource request
        self.timed = 0  # workers running a task with a running_time
        self.queue: collections.deque[wire.Task] = collections.deque()
        self.in_workers = 0  # tasks sent to workers and not finished
        self.mean_task = float("inf")  # moving average of task times (see PIPELINE_TASK)
        self.workers: dict[int, Worker] = {}  # by result pipe
        self.draining = False
        self.stopping = False
        self.exit_code = 0
        self.exit_reason = "stopped"
        self.start_failures = 0
        self.out_ids: list[int] = []
        self.out_kinds = bytearray()
        self.out_payloads: list[Any] = []
        self.out_since = 0.0
        self.chunk = bytearray(1 << 20)  # what a read from a worker's pipe goes into
        self.nodes = None
        if args.enable_mpi_mode:
            from parsl_executor_htex.mpi_resource_management import NodePool, nodes_in_batch_job

            self.nodes = NodePool(nodes_in_batch_job())

    # -- start-up ---------------------------------------------------------------------------

    def probe(self) -> Optional[str]:
        """The first candidate address at which the interchange answers, or None."""
        timeout = self.args.address_probe_timeout or 30
        socks = {}
        for addr in self.args.addresses.split(","):
            s = self.ctx.socket(zmq.DEALER, server=False, address=addr)
            s.connect(wire.tcp_url(addr, self.args.port))
            s.send(wire.PROBE)
            socks[s] = addr
        poller = zmq.Poller()
        for s in socks:
            poller.register(s, zmq.POLLIN)
        deadline = time.monotonic() + timeout
        found = None
        while found is None and time.monotonic() < deadline:
            for s, _ in poller.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                if s.recv() == wire.PROBE:
                    found = socks[s]
                    break
        for s in socks:
            s.close(0)
        return found

    def _spawn(self, rank: int) -> Worker:
        cpus = placement.worker_cpus(self.args.cpu_affinity, rank, self.count)
        accelerator = self.accelerators[rank] if self.accelerators else None
        env = dict(os.environ)
        env.update(placement.worker_env(rank=rank, count=self.count, pool_id=self.uid,
                                        block_id=self.block_id, accelerator=accelerator, cpus=cpus))
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        cmd = [sys.executable, "-m", "parsl_executor_htex.worker", str(task_r), str(result_w),
               ",".join(map(str, cpus)) if cpus else "", str(rank), self.logdir, self.args.logconf or "None",
               str(logging.DEBUG if self.args.debug else logging.INFO)]
        try:
            proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, pass_fds=(task_r, result_w),
                                    **_OWN_PROCESS_GROUP)
        finally:
            os.close(task_r)
            os.close(result_w)
        os.set_blocking(result_r, False)
        w = Worker(rank, proc, task_w, result_r)
        self.workers[result_r] = w
        self.poller.register(result_r, zmq.POLLIN)
        return w

    def _register(self) -> None:
        info = {
            "manager_id": self.uid, "block_id": self.block_id, "hostname": self.hostname,
            "worker_count": self.count, "prefetch_capacity": self.args.prefetch_capacity,
            "python": PYTHON, "python_version": platform.python_version(), "version": VERSION, "pid": os.getpid(),
            "packages": _installed_packages(),
            "accelerators": self.accelerators,
            "resources": dict(zip(wire.RESOURCE_NAMES, self.total)), "default_need": self.default_need,
        }
        self.ix.send_multipart([wire.REGISTER, json.dumps(info).encode()])

    # -- the event loop ---------------------------------------------------------------------

    def run(self) -> int:
        address = self.probe()
        if address is None:
            tried = ", ".join(wire.tcp_url(a, self.args.port) for a in self.args.addresses.split(","))
            msg = (f"parsl-htex-worker-pool: failed to find a viable address to connect to the "
                   f"interchange: tried {tried} for {self.args.address_probe_timeout or 30}s. "
                   f"Check the executor's address= setting and any firewall between this node "
                   f"({self.hostname}) and the submit host.")
            logger.error(msg)
            print(msg, file=sys.stderr, flush=True)
            return EXIT_UNREACHABLE
        logger.info("interchange found at %s", address)
        self.ix = self.ctx.socket(zmq.DEALER, server=False, address=address)
        self.ix.setsockopt(zmq.IDENTITY, self.uid.encode())
        self.ix.connect(wire.tcp_url(address, self.args.port))
        self.poller = zmq.Poller()
        self.poller.register(self.ix, zmq.POLLIN)
        for rank in range(self.count):
            self._spawn(rank)
        self._register()
        signal.signal(signal.SIGTERM, _raise_stop)
        try:
            return self._loop()
        except _Stop:
            logger.info("SIGTERM: stopping")
            self.exit_reason = "terminated by SIGTERM (cancelled, or its job reached its walltime)"
            return 0
        finally:
            self.shutdown()

    def _loop(self) -> int:
        hb_period = self.args.hb_period
        hb_threshold = self.args.hb_threshold
        now = time.monotonic()
        last_ix = last_hb = now
        drain_at = now + self.args.drain_period if self.args.drain_period else None
        while not self.stopping:
            timeout = hb_period if drain_at is None else max(0.0, min(hb_period, drain_at - now))
            if self.out_ids:
                timeout = max(0.0, min(timeout, self.out_since + RESULT_DELAY - now))
            if self.timed:
                timeout = max(0.0, min(timeout, self._next_deadline() - now))
            events = self.poller.poll(int(timeout * 1000))
            for sock, _ in events:
                if sock is self.ix:
                    last_ix = time.monotonic()
                    self._from_interchange()
                else:
                    self._from_worker(self.workers[sock])
            if self.timed:
                self._stop_expired(time.monotonic())
            self._dispatch()
            now = time.monotonic()
            if self.out_ids and (len(self.queue) + self.in_workers < 2 * self.count or len(self.out_ids) >= RESULT_BATCH
                                 or now - self.out_since >= RESULT_DELAY):
                self._flush()
            if now - last_hb >= hb_period:
                self.ix.send(wire.HEARTBEAT)
                last_hb = now
            if now - last_ix > hb_threshold:
                logger.error("no message from the interchange for %.1fs: exiting", now - last_ix)
                self.exit_reason = f"no message from the interchange for {now - last_ix:.0f}s"
                return EXIT_INTERCHANGE_LOST
            if drain_at is not None and now >= drain_at and not self.draining:
                logger.info("drain period reached: taking no more tasks")
                self.draining = True
                self.ix.send(wire.DRAIN)
            if self.draining and not self.queue and all(w.task is None for w in self.workers.values()):
                logger.info("drained: exiting")
                self.exit_reason = "drained"
                return 0
        return self.exit_code

    def _from_interchange(self) -> None:
        for frames in wire.drain(self.ix):
            tag = frames[0][:1]
            if tag == wire.TASKS:
                self.queue.extend(wire.unpack_tasks(frames[0]))
            elif tag == wire.DRAIN:
                logger.info("interchange asked this pool to drain")
                self.draining = True
            elif tag == wire.STOP:
                reason = b" ".join(frames[1:]).decode(errors="replace")
                logger.info("interchange asked this pool to stop: %s", reason)
                print(f"parsl-htex-worker-pool: stopped by the interchange: {reason}", file=sys.stderr, flush=True)
                self.stopping = True
                return

    def _from_worker(self, w: Worker) -> None:
        data = read_into(w.result_fd, self.chunk)
        if not data:
            self._worker_died(w)
            return
        buf = w.inbuf
        buf += data
        size = HEADER.size
        while len(buf) >= size:
            tid, kind, n = HEADER.unpack_from(buf)
            if len(buf) < size + n:
                return
            if kind != READY_KIND:
                self._result(w, tid, kind, bytes(buf[size:size + n]))
            del buf[:size + n]
            w.started = True

    def _result(self, w: Worker, tid: int, kind: int, payload: Any) -> None:
        """Queue the result of ``w``'s current task ``tid`` for the interchange."""
        now = time.monotonic()
        if not self.out_ids:
            self.out_since = now
        self.out_ids.append(tid)
        self.out_kinds.append(kind)
        self.out_payloads.append(payload)
        w.tasks.popleft()
        self.in_workers -= 1
        took = now - w.since
        mean = self.mean_task
        self.mean_task = took if mean == float("inf") else mean + _AVERAGING * (took - mean)
        w.since = now  # its next task, if it has one, started about now
        if w.need is not None:
            w.need = None
            self.reserving -= 1
            if w.deadline is not None:
                w.deadline = None
                self.timed -= 1
        if w.nodes:
            assert self.nodes is not None
            self.nodes.give_back(w.nodes)
            w.nodes = []

    def _worker_died(self, w: Worker) -> None:
        try:
            code: Optional[int] = w.proc.wait(5)
        except subprocess.TimeoutExpired:
            w.proc.kill()
            code = w.proc.wait()
        logger.warning("worker %d (pid %d) exited with code %s", w.rank, w.proc.pid, code)
        self.poller.unregister(w.result_fd)
        del self.workers[w.result_fd]
        os.close(w.result_fd)
        os.close(w.task_fd)
        if w.task is not None and w.deadline is not None and time.monotonic() >= w.deadline:
            self._result(w, w.task, wire.TIMEOUT, pickle.dumps((w.limit, w.rank, self.hostname)))
        lost = pickle.dumps((w.rank, self.hostname, code))
        while w.task is not None:  # its task, and those sent to it after that one
            self._result(w, w.task, wire.WORKER_LOST, lost)
        self.start_failures = 0 if w.started else self.start_failures + 1
        if self.start_failures == MAX_START_FAILURES:
            msg = (f"parsl-htex-worker-pool: {self.start_failures} workers in a row exited (last with code {code}) "
                   f"before they were ready; giving up")
            logger.error(msg)
            print(msg, file=sys.stderr, flush=True)
            self.stopping = True
            self.exit_code = EXIT_WORKERS_FAIL
            self.exit_reason = msg.split(": ", 1)[1]
        if not self.stopping:
            self._spawn(w.rank)

    def _dispatch(self) -> None:
        """Send waiting tasks to idle workers, then, while tasks are short, more to each worker."""
        if not self.queue:
            return
        out: dict[Worker, list[Any]] = {}
        for w in self.workers.values():
            if w.started and not w.tasks and not self._first_task(w, out):
                break
        if self.queue and self.mean_task < PIPELINE_TASK and not self.reserving and self.nodes is None:
            self._pipeline(out)
        for w, parts in out.items():
            try:
                write_all(w.task_fd, parts)
            except OSError as e:  # the worker died; its result pipe reports it next
                logger.warning("cannot send tasks %s to worker %d: %s", list(w.tasks), w.rank, e)

    def _first_task(self, w: Worker, out: dict[Worker, list[Any]]) -> bool:
        """Give idle worker ``w`` the first waiting task if it fits; False when none can start now."""
        if not self.queue:
            return False
        task = self.queue[0]
        # Tasks without a request always fit beside each other (the worker count comes from the
        # same capacity), so capacity is only counted while a task with a request runs or waits.
        if (task.res or self.reserving) and not self._fits(task.res):
            return False  # the first task waits for capacity; later ones wait behind it
        ctx = task.ctx
        if ctx and self.nodes is not None:
            ctx = self._mpi_env(w, ctx)
            if ctx is None:
                return False
        self.queue.popleft()
        if task.res:
            self._reserve(w, task.res)
        self._send(w, task, ctx, out)
        return True

    def _pipeline(self, out: dict[Worker, list[Any]]) -> None:
        """Top up the workers holding half of ``PIPELINE_DEPTH`` tasks or fewer, in turn, with
        waiting tasks that have no resource request (one with a request waits for an idle worker)."""
        queue = self.queue
        hungry = [w for w in self.workers.values() if w.tasks and len(w.tasks) <= PIPELINE_DEPTH // 2]
        while hungry and queue:
            for w in hungry:
                if not queue or queue[0].res or queue[0].ctx:
                    return
                self._send(w, queue.popleft(), b"", out)
            hungry = [w for w in hungry if len(w.tasks) < PIPELINE_DEPTH]

    def _send(self, w: Worker, task: wire.Task, ctx: Any, out: dict[Worker, list[Any]]) -> None:
        """Add ``task`` to what ``_dispatch`` writes to ``w``."""
        if not w.tasks:
            w.since = time.monotonic()
        w.tasks.append(task.tid)
        self.in_workers += 1
        out.setdefault(w, []).extend((HEADER.pack(task.tid, len(ctx), len(task.buf)), ctx, task.buf))

    def _need(self, res: Any) -> tuple[tuple[float, float, float], float]:
        """What a task with resource request ``res`` reserves, and its running_time (0: none)."""
        request = wire.unpack_resources(res)
        running_time = request.running_time
        return request.need(self.default_need), 0.0 if running_time == wire.NOT_GIVEN else running_time

    def _fits(self, res: Any) -> bool:
        """Whether a task with request ``res`` (b"": one worker's share) fits beside the running tasks."""
        need = self._need(res)[0] if res else self.default_need
        used = [0.0, 0.0, 0.0]
        for w in self.workers.values():
            if w.task is not None:
                for i, n in enumerate(w.need or self.default_need):
                    used[i] += n
        return all(n + u <= t + _SLACK for n, u, t in zip(need, used, self.total))

    def _reserve(self, w: Worker, res: Any) -> None:
        """Record what worker ``w``'s new task reserves, and when its running_time ends."""
        w.need, limit = self._need(res)
        self.reserving += 1
        if limit:
            w.limit = limit
            w.deadline = time.monotonic() + limit
            self.timed += 1

    def _next_deadline(self) -> float:
        return min(w.deadline for w in self.workers.values() if w.deadline is not None)

    def _stop_expired(self, now: float) -> None:
        """Kill the workers whose task ran past its running_time; ``_worker_died`` reports and replaces them."""
        for w in list(self.workers.values()):
            if w.deadline is not None and now >= w.deadline:
                logger.warning("task %s exceeded its running_time of %gs on worker %d: killing the worker",
                               w.task, w.limit, w.rank)
                try:
                    os.killpg(w.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self._worker_died(w)

    def _mpi_env(self, w: Worker, ctx: bytes) -> Optional[bytes]:
        """The worker environment of an MPI task, or None while its nodes are busy."""
        from parsl_executor_htex.mpi_prefix_composer import compose_all

        assert self.nodes is not None
        spec = json.loads(bytes(ctx))
        nodes = self.nodes.take(int(spec.get("num_nodes", 1)))
        if nodes is None:
            return None
        w.nodes = nodes
        return json.dumps(compose_all(self.args.mpi_launcher, spec, nodes)).encode()

    def _flush(self) -> None:
        if not self.out_ids:
            return
        frame = wire.pack_results(self.out_ids, bytes(self.out_kinds), self.out_payloads)
        self.ix.send(frame, 0, copy=len(frame) < wire.COPY_THRESHOLD)
        self.out_ids = []
        self.out_kinds = bytearray()
        self.out_payloads = []

    # -- shut-down --------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop every worker, tell the interchange, release sockets; never hangs."""
        self.stopping = True
        procs = [w.proc for w in self.workers.values()]
        for p in procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 2
        for p in procs:
            try:
                p.wait(max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for w in self.workers.values():
            os.close(w.task_fd)
            os.close(w.result_fd)
        try:
            if hasattr(self, "ix"):
                self._flush()
                self.ix.send_multipart([wire.EXIT, self.exit_reason.encode()], zmq.NOBLOCK)
        except zmq.ZMQError:
            pass
        self.ctx.term()


def _raise_stop(signum: int, frame: Any) -> None:
    raise _Stop()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="parsl-htex-worker-pool", description=__doc__.split("\n")[0])
    p.add_argument("-a", "--addresses", required=True, help="comma-separated candidate interchange addresses")
    p.add_argument("--port", type=int, required=True, help="the interchange's worker port")
    p.add_argument("-c", "--cores_per_worker", type=float, default=1.0)
    p.add_argument("-m", "--mem_per_worker", type=lambda s: None if s == "None" else float(s), default=None)
    p.add_argument("--max_workers_per_node", type=lambda s: float("inf") if s in ("None", "inf") else int(s),
                   default=float("inf"))
    p.add_argument("-p", "--prefetch_capacity", type=int, default=0)
    p.add_argument("--poll", type=int, default=10, help="(accepted for compatibility; the pool is event driven)")
    p.add_argument("--cert_dir", type=lambda s: None if s == "None" else s, default=None)
    p.add_argument("--logdir", default=".")
    p.add_argument("-L", "--logconf", default=None, help="path of a pickled parsl.logconfigs.LogConfig")
    p.add_argument("--block_id", default="0")
    p.add_argument("--uid", default=None)
    p.add_argument("--hb_period", type=float, default=30)
    p.add_argument("--hb_threshold", type=float, default=120)
    p.add_argument("--drain_period", type=lambda s: None if s == "None" else float(s), default=None)
    p.add_argument("--address_probe_timeout", type=float, default=None)
    p.add_argument("--cpu-affinity", dest="cpu_affinity", default="none")
    p.add_argument("--available-accelerators", dest="available_accelerators", nargs="*", default=[])
    p.add_argument("--enable_mpi_mode", action="store_true")
    p.add_argument("--mpi-launcher", dest="mpi_launcher", default="mpiexec")
    p.add_argument("-d", "--debug", action="store_true")
    return p


def main(argv: Optional[list[str]] = None) -> None:
    args = parser().parse_args(argv)
    try:
        placement.validate_affinity(args.cpu_affinity)
    except ValueError as e:
        parser().error(str(e))
    pool = WorkerPool(args)
    start_logging(pool.logdir, "manager", load_log_config(args.logconf), logging.DEBUG if args.debug else logging.INFO)
    logger.info("pool %s on %s: %d workers, block %s", pool.uid, pool.hostname, pool.count, args.block_id)
    sys.exit(pool.run())


if __name__ == "__main__":
    main()
