"""Growth curves: the HTEX interchange against 1-1,000 worker pools, and workflows of 10k-1M tasks.

    python bench/bench_scale.py [--managers 1,10,100,1000] [--tasks 10000,100000,1000000] [--rounds 2]

Managers: the real interchange process (``python -m parsl_executor_htex.interchange``) is driven
by this script, which plays the executor's end (the two pipes and the pickled settings on stdin),
and by simulated worker pools: a few processes (this script again, ``--simulate``), each holding
many ZeroMQ sockets that speak the wire protocol through ``parsl_executor_htex.wire`` and answer
every task at once with an empty result. So the interchange is all that is measured:

  managers_dispatch    tasks/s from the first task sent to the last result back, for --dispatch
                       tasks sent at once, twice per round (median and best of all runs; the
                       counts are alternated, ascending then descending, so each sees the same
                       background load; each record has the load average at its end)
  managers_cpu         the interchange's CPU time (user + system, all its threads) per task (µs);
                       its inverse is what it could dispatch with a core of its own, the figure
                       that other work on a shared machine disturbs least
  managers_memory      the interchange's resident memory growth per connected manager (bytes)

Tasks: a workflow of N no-op python apps on the ThreadPoolExecutor (2 threads), each size in a
fresh interpreter (alternated like the managers):

  workflow_per_task    µs per task: N apps submitted, then all awaited; wall clock, the process's
                       CPU time (all threads: the figure least disturbed by other work on a shared
                       machine), and the part of it spent in the cyclic garbage collector
  pending_memory       bytes of Python heap (tracemalloc) per task while N tasks wait on one
                       unresolved future; ``rss_per_task`` beside it is the resident set growth
                       (measured in another interpreter, without tracemalloc)

The last JSON line holds the tables and the ratios against the issue's targets (dispatch at
1,000 managers >= 0.8 of that at 10, medians and best; per-task cost, wall clock and CPU, at 1M
<= 1.25x that at 10k; pending memory < 1 KB per task). The tables are also written to ``--json``
(``bench/scale.json``) and drawn in ``--plot`` (``bench/scale.png``; needs matplotlib, which only
the benchmark venv installs).
``--tasks ""`` or ``--managers ""`` measures one part only; the other keeps its table from ``--json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import select
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
WORKERS_PER_MANAGER = 2


def emit(measure: str, value: float, unit: str, **extra: Any) -> dict:
    record = {"measure": measure, "value": round(value, 3), "unit": unit, **extra}
    print(json.dumps(record), flush=True)
    return record


# -- simulated worker pools ----------------------------------------------------------------


def simulate(port: int, first: int, count: int) -> None:
    """Run ``count`` simulated pools against the interchange on ``port`` until each is told to stop.

    Waits on the sockets' file descriptors with epoll, so a wake-up costs what the ready sockets
    cost, not what all of them do (a ``zmq.Poller`` over 250 sockets would cost the simulator more
    than the interchange). A ZeroMQ descriptor signals edges: each woken socket is read until its
    ``EVENTS`` show nothing more, and every socket is checked once a second besides.
    """
    import platform
    import select

    import zmq

    from parsl_executor_htex import wire
    from parsl_executor_htex.version import PYTHON, VERSION

    ctx = zmq.Context()
    by_fd: dict[int, Any] = {}
    epoll = select.epoll()
    for i in range(first, first + count):
        sock = ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        uid = f"sim{i:05d}"
        sock.setsockopt(zmq.IDENTITY, uid.encode())
        sock.connect(wire.tcp_url("127.0.0.1", port))
        info = {"manager_id": uid, "block_id": str(i), "hostname": "sim", "worker_count": WORKERS_PER_MANAGER,
                "prefetch_capacity": 0, "python": PYTHON, "python_version": platform.python_version(),
                "version": VERSION, "pid": os.getpid(), "packages": {}, "accelerators": [],
                "resources": {}, "default_need": [0.0, 0.0, 0.0]}
        sock.send_multipart([wire.REGISTER, json.dumps(info).encode()])
        fd = sock.getsockopt(zmq.FD)
        by_fd[fd] = sock
        epoll.register(fd, select.EPOLLIN)
    events, pollin, ok = int(zmq.EVENTS), int(zmq.POLLIN), bytes([wire.OK])
    first, head = 1 + wire.COUNT.size, wire.TASK_HEADER

    def serve(sock: Any) -> bool:
        """Answer what ``sock`` holds; False once it was told to stop. Only the tasks' ids are read
        (from their headers: a pool of 250 in one process must not take 250 pools' time to answer,
        or the interchange rightly sees its tasks as long and stops prefetching to it)."""
        while sock.getsockopt(events) & pollin:
            frame = sock.recv_multipart(zmq.NOBLOCK)[0]
            tag = frame[:1]
            if tag == wire.TASKS:
                (n,) = wire.COUNT.unpack_from(frame, 1)
                ids = [h[0] for h in head.iter_unpack(memoryview(frame)[first:first + n * head.size])]
                sock.send(wire.pack_results(ids, ok * n, [b""] * n))
            elif tag == wire.HEARTBEAT:
                sock.send(wire.HEARTBEAT)
            elif tag == wire.STOP:
                return False
        return True

    while by_fd:
        ready = epoll.poll(1.0)
        fds = [fd for fd, _ in ready] if ready else list(by_fd)
        for fd in fds:
            if fd in by_fd and not serve(by_fd[fd]):
                epoll.unregister(fd)
                del by_fd[fd]
    epoll.close()
    ctx.destroy(linger=0)


class Driver:
    """The executor's end of one interchange, with ``managers`` simulated pools connected."""

    def __init__(self, managers: int, run_dir: str, launch: tuple[str, ...] = ("-m",)) -> None:
        import psutil

        from parsl_executor_htex import wire
        from parsl_executor_htex.client import launch as start_interchange

        self.wire = wire
        config = {"heartbeat_threshold": 3600, "interchange_address": "127.0.0.1", "parent_pid": os.getpid(),
                  "logdir": run_dir, "logging_level": 30, "cert_dir": None}
        self.proc, self.channel = start_interchange([sys.executable, *launch, "parsl_executor_htex.interchange"],
                                                    config, None)
        self.inbox: list[list[bytes]] = []
        tag, body = self.receive()
        assert tag == wire.READY, tag
        port = pickle.loads(body)["worker_port"]
        self.ix = psutil.Process(self.proc.pid)
        time.sleep(0.2)  # let the interchange finish its start-up allocations before the baseline
        rss0 = self.ix.memory_info().rss
        per_process = max(1, -(-managers // 4))  # at most 4 simulator processes
        self.sims = [subprocess.Popen([sys.executable, __file__, "--simulate", f"{port},{first},"
                                       f"{min(per_process, managers - first)}"])
                     for first in range(0, managers, per_process)]
        joined = 0
        while joined < managers:
            tag, body = self.receive()
            if tag == wire.EVENT and pickle.loads(body)["type"] == "manager_joined":
                joined += 1
        self.memory_per_manager = (self.ix.memory_info().rss - rss0) / managers
        self.next_id = 0

    def run(self, n: int, payload: bytes = b"x" * 200) -> tuple[float, float]:
        """tasks/s for ``n`` tasks sent at once (in frames of 1,000, as the executor's I/O thread
        batches), and the interchange's CPU time per task (µs)."""
        wire = self.wire
        cpu = sum(self.ix.cpu_times()[:2])
        start = time.perf_counter()
        for lo in range(0, n, 1000):
            batch = [wire.make_task((wire.NO_PRIORITY, self.next_id + i, b"", payload, b""))
                     for i in range(lo, min(n, lo + 1000))]
            self.channel.send(wire.pack_tasks(batch))
        self.next_id += n
        done = 0
        while done < n:
            frames = self.receive()
            if frames[0][:1] == wire.RESULTS:
                done += len(wire.result_ids(frames[0]))
        rate = n / (time.perf_counter() - start)
        return rate, (sum(self.ix.cpu_times()[:2]) - cpu) / n * 1e6

    def close(self) -> None:
        self.channel.send(self.wire.COMMAND, pickle.dumps((0, "shutdown", ())))
        self.proc.wait(60)
        for sim in self.sims:
            sim.wait(60)
        self.channel.close()

    def receive(self) -> list[bytes]:
        """The interchange's next message (its frames), waiting for it."""
        while not self.inbox:
            select.select([self.channel.read_fd], [], [])
            self.inbox = self.channel.receive()[::-1]
        return self.inbox.pop()


def bench_managers(counts: list[int], rounds: int, n: int) -> dict[int, dict[str, float]]:
    """Per count: the best and the median dispatch rate over all runs (two per round), the least
    CPU and memory, and the load averages (1 min) seen at the end of each round."""
    rates: dict[int, list[float]] = {c: [] for c in counts}
    loads: dict[int, list[float]] = {c: [] for c in counts}
    best: dict[int, dict[str, float]] = {}
    order = [c for r in range(rounds) for c in (counts if r % 2 == 0 else counts[::-1])]
    for count in order:
        with tempfile.TemporaryDirectory() as run_dir:
            driver = Driver(count, run_dir)
            try:
                driver.run(min(n, 2000))  # warm up: every pool's first batch, the interchange's caches
                runs = [driver.run(n) for _ in range(2)]
            finally:
                driver.close()
        rate, cpu, load = max(r for r, _ in runs), min(c for _, c in runs), os.getloadavg()[0]
        rates[count] += [r for r, _ in runs]
        loads[count].append(load)
        emit("managers_dispatch", rate, "tasks/s", managers=count, tasks=n, load=round(load, 1))
        emit("managers_cpu", cpu, "us/task", managers=count, tasks=n)
        emit("managers_memory", driver.memory_per_manager, "bytes/manager", managers=count)
        entry = best.setdefault(count, {"dispatch": 0.0, "cpu_per_task_us": cpu,
                                        "memory_per_manager": driver.memory_per_manager})
        entry["dispatch"] = max(entry["dispatch"], rate)
        entry["dispatch_median"] = statistics.median(rates[count])
        entry["load_range"] = [round(min(loads[count]), 1), round(max(loads[count]), 1)]
        entry["cpu_per_task_us"] = min(entry["cpu_per_task_us"], cpu)
        entry["memory_per_manager"] = min(entry["memory_per_manager"], driver.memory_per_manager)
    return best


# -- workflows of N tasks on threads -------------------------------------------------------


def workflow_child(n: int, measure: str) -> dict[str, float]:
    """In a fresh interpreter: µs per task for ``n`` no-op apps (``per_task``), or the memory per
    task while ``n`` tasks wait on one unresolved future, as Python heap (``heap``, tracemalloc)
    or resident set growth (``rss``; measured without tracemalloc, whose own tables would count)."""
    import concurrent.futures

    import psutil

    sys.path.insert(0, HERE)
    from bench_core import _load, _wait_all, noop, pending

    from parsl import python_app

    noop_app, pending_app = python_app(noop), python_app(pending)
    with tempfile.TemporaryDirectory() as run_dir:
        dfk = _load(run_dir)
        try:
            _wait_all(noop_app() for _ in range(200))
            if measure == "per_task":
                return _per_task(noop_app, n)
            gate: concurrent.futures.Future = concurrent.futures.Future()
            pending_app(1).result()
            gc.collect()
            proc = psutil.Process()
            if measure == "heap":
                tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0] if measure == "heap" else proc.memory_info().rss
            futures = [pending_app(gate) for _ in range(n)]
            gc.collect()
            after = tracemalloc.get_traced_memory()[0] if measure == "heap" else proc.memory_info().rss
            tracemalloc.stop()
            gate.set_result(0)
            _wait_all(futures)
            return {f"{measure}_per_pending": (after - before) / n}
        finally:
            dfk.cleanup()


def _per_task(app: Any, n: int) -> dict[str, float]:
    """µs per task for ``n`` calls of ``app``, all awaited: wall clock, this process's CPU time
    (every thread), and the CPU time its cyclic garbage collections took (``gc.callbacks``; a
    collection runs on the thread that triggered it, holding the GIL)."""
    in_gc = [0.0, 0.0]

    def timed(phase: str, _info: dict) -> None:
        if phase == "start":
            in_gc[1] = time.thread_time()
        else:
            in_gc[0] += time.thread_time() - in_gc[1]

    gc.callbacks.append(timed)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for future in [app() for _ in range(n)]:
            future.result()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        gc.callbacks.remove(timed)
    return {"per_task_us": wall / n * 1e6, "cpu_per_task_us": cpu / n * 1e6, "gc_per_task_us": in_gc[0] / n * 1e6,
            "load": os.getloadavg()[0]}


def bench_workflows(sizes: list[int], rounds: int) -> dict[int, dict[str, float]]:
    """Each size in fresh interpreters; sizes ascending, then descending without repeating the
    largest (a million tasks take minutes on a loaded machine), and so on for ``rounds``.

    Per size: the median of the rounds' times (a best-of would favour the short runs, which
    fit in a quiet moment of a shared machine more often than a long one) and the least memory.
    """
    runs: dict[int, list[dict[str, float]]] = {}
    order = list(sizes)
    for r in range(1, rounds):
        order += (sizes[::-1] if r % 2 else sizes)[1:]
    for n in order:
        result: dict[str, float] = {}
        for measure in ("per_task", "heap", "rss"):
            out = subprocess.run([sys.executable, __file__, "--workflow-child", f"{n},{measure}"], check=True,
                                 capture_output=True, text=True).stdout
            result.update(json.loads(out.strip().splitlines()[-1]))
        emit("workflow_per_task", result["per_task_us"], "us", tasks=n, load=round(result["load"], 1),
             cpu_us=round(result["cpu_per_task_us"], 1), gc_cpu_us=round(result["gc_per_task_us"], 1))
        emit("pending_memory", result["heap_per_pending"], "bytes/task", tasks=n,
             rss_per_task=round(result["rss_per_pending"], 1))
        runs.setdefault(n, []).append(result)
    return {n: {key: (min if key.endswith("_per_pending") else statistics.median)(r[key] for r in results)
                for key in results[0]}
            for n, results in runs.items()}


# -- report --------------------------------------------------------------------------------


def plot(tables: dict[str, Any], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    managers = tables["managers"]
    xs = sorted(int(k) for k in managers)
    left.plot(xs, [managers[str(x)]["dispatch_median"] for x in xs], "o-", label="dispatch, median")
    left.plot(xs, [managers[str(x)]["dispatch"] for x in xs], "o:", color="tab:blue", alpha=0.5, label="best")
    left.legend(loc="lower left")
    left.set_xscale("log")
    left.set_xlabel("connected worker pools (simulated)")
    left.set_ylabel("interchange dispatch, tasks/s")
    twin = left.twinx()
    twin.plot(xs, [managers[str(x)]["memory_per_manager"] / 1024 for x in xs], "s--", color="tab:red")
    twin.set_ylabel("KiB per connected pool", color="tab:red")
    left.set_title("HTEX interchange")
    tasks = tables["workflows"]
    xs = sorted(int(k) for k in tasks)
    right.plot(xs, [tasks[str(x)]["per_task_us"] for x in xs], "o-", label="wall clock")
    right.plot(xs, [tasks[str(x)]["cpu_per_task_us"] for x in xs], "^-", label="CPU (all threads)")
    right.legend(loc="lower left")
    right.set_xscale("log")
    right.set_xlabel("tasks in the workflow")
    right.set_ylabel("µs per task")
    twin = right.twinx()
    twin.plot(xs, [tasks[str(x)]["heap_per_pending"] for x in xs], "s--", color="tab:red")
    twin.set_ylabel("bytes per pending task", color="tab:red")
    right.set_title("no-op workflow, ThreadPoolExecutor(2)")
    for axes in fig.axes:
        axes.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _table(title: str, header: list[str], rows: list[list[str]]) -> str:
    lines = [title, "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _meets(value: float, target: str) -> bool:
    op, bound = target.split()
    return {">=": value >= float(bound), "<=": value <= float(bound), "<": value < float(bound)}[op]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--managers", default="1,10,100,1000")
    parser.add_argument("--tasks", default="10000,100000,1000000")
    parser.add_argument("--dispatch", type=int, default=50000, help="tasks per dispatch measurement")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", default=os.path.join(HERE, "scale.json"), help="write the tables to this file")
    parser.add_argument("--plot", default=os.path.join(HERE, "scale.png"),
                        help="draw the growth curves into this image (skipped without matplotlib)")
    parser.add_argument("--simulate", help=argparse.SUPPRESS)
    parser.add_argument("--workflow-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.simulate:
        simulate(*map(int, args.simulate.split(",")))
        return
    if args.workflow_child:
        n, measure = args.workflow_child.split(",")
        print(json.dumps(workflow_child(int(n), measure)))
        return

    managers = bench_managers([int(c) for c in args.managers.split(",") if c], args.rounds, args.dispatch)
    workflows = bench_workflows([int(c) for c in args.tasks.split(",") if c], args.rounds)
    # a part not measured this time (``--managers ""`` or ``--tasks ""``) keeps the table of the last run
    previous: dict[str, dict[str, Any]] = {}
    if args.json and os.path.exists(args.json):
        with open(args.json) as f:
            previous = json.load(f)["tables"]
    managers = managers or {int(k): v for k, v in previous.get("managers", {}).items()}
    workflows = workflows or {int(k): v for k, v in previous.get("workflows", {}).items()}
    tables = {"managers": {str(k): v for k, v in sorted(managers.items())},
              "workflows": {str(k): v for k, v in sorted(workflows.items())}}
    ratios: dict[str, float] = {}
    if 10 in managers and 1000 in managers:
        ratios["dispatch_1000_over_10"] = round(managers[1000]["dispatch_median"]
                                                / managers[10]["dispatch_median"], 3)
        ratios["dispatch_best_1000_over_10"] = round(managers[1000]["dispatch"] / managers[10]["dispatch"], 3)
        # what the interchange could dispatch on a core of its own: the inverse of its CPU per task
        ratios["dispatch_capacity_1000_over_10"] = round(managers[10]["cpu_per_task_us"]
                                                         / managers[1000]["cpu_per_task_us"], 3)
    if 10000 in workflows and 1000000 in workflows:
        ratios["per_task_1M_over_10k"] = round(workflows[1000000]["per_task_us"] / workflows[10000]["per_task_us"], 3)
        ratios["cpu_per_task_1M_over_10k"] = round(workflows[1000000]["cpu_per_task_us"]
                                                   / workflows[10000]["cpu_per_task_us"], 3)
        ratios["pending_bytes_1M"] = round(workflows[1000000]["heap_per_pending"], 1)
    targets = {"dispatch_1000_over_10": ">= 0.8", "dispatch_best_1000_over_10": ">= 0.8",
               "dispatch_capacity_1000_over_10": ">= 0.8",
               "per_task_1M_over_10k": "<= 1.25", "cpu_per_task_1M_over_10k": "<= 1.25",
               "pending_bytes_1M": "< 1024"}
    print(_table("interchange against simulated worker pools (median and best of all runs)",
                 ["pools", "dispatch tasks/s, median", "best", "interchange CPU per task", "interchange RSS per pool",
                  "load average"],
                 [[str(k), f"{v['dispatch_median']:,.0f}", f"{v['dispatch']:,.0f}", f"{v['cpu_per_task_us']:.1f} µs",
                   f"{v['memory_per_manager'] / 1024:,.1f} KiB", "{}-{}".format(*v["load_range"])]
                  for k, v in sorted(managers.items())]))
    print(_table("no-op workflow on ThreadPoolExecutor(2) (median of rounds; memory: least)",
                 ["tasks", "µs per task", "CPU µs per task", "of which GC", "heap per pending task",
                  "RSS per pending task"],
                 [[f"{k:,}", f"{v['per_task_us']:.1f}", f"{v['cpu_per_task_us']:.1f}", f"{v['gc_per_task_us']:.1f}",
                   f"{v['heap_per_pending']:.0f} B", f"{v['rss_per_pending']:.0f} B"]
                  for k, v in sorted(workflows.items())]))
    met = {k: _meets(ratios[k], t) for k, t in targets.items() if k in ratios}
    print(json.dumps({"benchmark": "scale", "tables": tables, "ratios": ratios, "targets": targets, "met": met}),
          flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"tables": tables, "ratios": ratios, "targets": targets}, f, indent=1)
    if args.plot:
        try:
            plot(tables, args.plot)
        except ImportError:
            print(f"matplotlib is not installed here: no plot drawn ({args.plot})", file=sys.stderr)


if __name__ == "__main__":
    main()
