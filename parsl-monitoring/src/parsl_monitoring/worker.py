"""The worker side of resource monitoring: a wrapper that reports inside the task's own result.

``MonitoredFunction`` runs on the worker in place of the app's function. It notes when and where
the try ran and samples the worker process and its children with psutil (CPU time, memory, I/O)
every ``interval`` seconds while it runs and once at its end, if the try ran long enough to matter
(see ``Sampler.leave``): one sample costs 0.2-0.7 ms, more than a no-op task. The report
travels back *inside the result* (or attached to the exception), so it uses the executor's own
reliable channel: no UDP, no extra connection, nothing to drop under load. One sampler thread
per worker process serves every task running in it. Sampling failures are swallowed: they must not fail the task.
"""

from __future__ import annotations

import os
import platform
import threading
import time
from typing import Any, Callable, Optional

REPORT_ATTRIBUTE = "_parsl_monitoring_report"
#: A wrapped try's result travels as ``(RESULT, value, report)``: a tuple of builtins unpickles in
#: a fraction of the time an instance of a class takes (the class is looked up on every load).
RESULT = "parsl_monitoring.worker.result/1"
#: A report is a tuple of these fields (it travels on to the writer as it is).
REPORT_FIELDS = ("hostname", "block_id", "time_started", "time_ended", "samples", "node")
#: Seconds after which a worker process's report repeats its node (first sent with its first
#: report for a run): a node costs more to send than the rest of a report.
NODE_EVERY = 60.0


class MonitoredFunction:
    """A picklable wrapper of an app function that reports the try's resource usage."""

    def __init__(self, func: Callable[..., Any], interval: float, run_id: Optional[str] = None):
        self.func = func
        self.interval = interval
        self.run_id = run_id
        self.__name__ = getattr(func, "__name__", "task")
        self.__wrapped__ = func
        self._hash = _hash_of(func, interval, run_id)

    # Equal wrappers of one function are one key for the core's cache of serialized callables:
    # the hub makes a wrapper per task, and without these each would be serialized anew with dill
    # (most of what monitoring cost a no-op task on HTEX).
    def __eq__(self, other: object) -> bool:
        return (type(other) is MonitoredFunction and other.func == self.func
                and other.interval == self.interval and other.run_id == self.run_id)

    def __hash__(self) -> int:  # computed once: the core's cache looks the wrapper up for every task
        if self._hash is None:
            raise TypeError(f"unhashable callable: {self.func!r}")
        return self._hash

    def __getstate__(self) -> dict[str, Any]:  # a hash is only good in the process that computed it
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._hash = _hash_of(self.func, self.interval, self.run_id)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # interval 0 takes no samples (as in Parsl): the sampler and its lock are skipped
        sampler = _sampler() if self.interval > 0 else None
        started = time.time()
        token = 0 if sampler is None else sampler.enter(self.interval)
        try:
            value = self.func(*args, **kwargs)
        except BaseException as e:
            try:
                setattr(e, REPORT_ATTRIBUTE, self._report(started, sampler, token))
            except Exception:
                pass
            raise
        return (RESULT, value, self._report(started, sampler, token))

    def _report(self, started: float, sampler: Optional[Sampler], token: int) -> tuple[Any, ...]:
        """The ``REPORT_FIELDS``; times are seconds since the epoch (cheaper to make and to send than datetimes)."""
        ended = time.time()
        samples = [] if sampler is None else sampler.leave(token, ended - started)
        hostname, block_id = _where()
        return (hostname, block_id, started, ended, samples, _node_if_due(self.run_id))


def _hash_of(*key: Any) -> Optional[int]:
    try:
        return hash(key)
    except TypeError:  # an unhashable callable: so is its wrapper
        return None


def unwrap(outcome: Any) -> tuple[Any, Optional[tuple[Any, ...]]]:
    """Split what a wrapped task produced into (the task's own result or exception, report).

    ``outcome`` is the executor future's result or exception; an exception may also arrive inside
    a ``RemoteExceptionWrapper`` (its ``e_value``), as executors that run tasks remotely return it.
    The report is a tuple of ``REPORT_FIELDS`` (see ``report_dict``).
    """
    if outcome.__class__ is tuple and len(outcome) == 3 and outcome[0] == RESULT:
        return outcome[1], outcome[2]
    exc = outcome if isinstance(outcome, BaseException) else getattr(outcome, "e_value", None)
    if isinstance(exc, BaseException):
        report = getattr(exc, REPORT_ATTRIBUTE, None)
        if report is not None:
            try:
                delattr(exc, REPORT_ATTRIBUTE)
            except AttributeError:
                pass
        return outcome, report
    return outcome, None


def report_dict(report: tuple[Any, ...]) -> dict[str, Any]:
    """A worker report by field name."""
    return dict(zip(REPORT_FIELDS, report))


#: This process's (host name, block id), read at its first report: ``os.environ`` lookups cost
#: microseconds, a no-op try's whole budget. Forgotten in a forked child (see ``_forget_process``).
_where_here: Optional[tuple[str, Optional[str]]] = None


def _where() -> tuple[str, Optional[str]]:
    """This process's host name and its worker block's id (``PARSL_WORKER_BLOCK_ID``, set at its start)."""
    global _where_here
    where = _where_here
    if where is None:
        where = _where_here = (platform.node(), os.environ.get("PARSL_WORKER_BLOCK_ID"))
    return where


#: run id -> time.monotonic() this process last reported its node for that run
_node_sent: dict[Optional[str], float] = {}


def _node_if_due(run_id: Optional[str]) -> Optional[dict[str, Any]]:
    """This worker's node, if this process has not reported it for this run in the last ``NODE_EVERY`` s."""
    now = time.monotonic()
    if now - _node_sent.get(run_id, -NODE_EVERY) < NODE_EVERY:
        return None
    _node_sent[run_id] = now
    return _node()


_node_info: Optional[dict[str, Any]] = None


def _node() -> dict[str, Any]:
    global _node_info
    if _node_info is None:
        import sys

        import psutil

        now = time.time()
        _node_info = {"hostname": platform.node(), "uid": f"{platform.node()}:{os.getpid()}",
                      "block_id": os.environ.get("PARSL_WORKER_BLOCK_ID") or "", "cpu_count": psutil.cpu_count() or 0,
                      "total_memory": psutil.virtual_memory().total, "active": True, "worker_count": 1,
                      "python_v": "{}.{}.{}".format(*sys.version_info[:3]), "timestamp": now, "last_heartbeat": now}
    return _node_info


def sample(process: Any) -> dict[str, Any]:
    """One resource sample of ``process`` and its children, in Parsl's ``resource`` columns."""
    import psutil

    total_memory = _node()["total_memory"] or 1
    with process.oneshot():
        times = process.cpu_times()
        mem = process.memory_info()
        ctx = process.num_ctx_switches()
        row = {
            "timestamp": time.time(),
            "psutil_process_pid": process.pid,
            "psutil_process_memory_percent": 100.0 * mem.rss / total_memory,
            "psutil_process_time_user": times.user + times.children_user,
            "psutil_process_time_system": times.system + times.children_system,
            "psutil_process_memory_virtual": float(mem.vms),
            "psutil_process_memory_resident": float(mem.rss),
            "psutil_process_status": process.status(),
            "psutil_cpu_num": str(process.cpu_num()) if hasattr(process, "cpu_num") else None,
            "psutil_process_num_ctx_switches_voluntary": float(ctx.voluntary),
            "psutil_process_num_ctx_switches_involuntary": float(ctx.involuntary),
        }
        row.update(_io(process))
    children = _children(process)
    row["psutil_process_children_count"] = float(len(children))
    for child in children:
        try:
            with child.oneshot():
                t, m = child.cpu_times(), child.memory_info()
                row["psutil_process_time_user"] += t.user
                row["psutil_process_time_system"] += t.system
                row["psutil_process_memory_virtual"] += m.vms
                row["psutil_process_memory_resident"] += m.rss
                row["psutil_process_memory_percent"] += 100.0 * m.rss / total_memory
                for key, value in _io(child).items():
                    row[key] = (row[key] or 0.0) + (value or 0.0)
        except psutil.Error:
            continue  # a child that ended while being sampled
    return row


def _children(process: Any) -> list[Any]:
    """The process's descendants; on Linux from /proc/PID/task/TID/children (no scan of every process)."""
    import psutil

    found: list[Any] = []
    todo = [process.pid]
    try:
        while todo:
            pid = todo.pop()
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids = [int(k) for k in f.read().split()]
                todo.extend(kids)
                found.extend(psutil.Process(k) for k in kids)
    except FileNotFoundError:
        if pid == process.pid:  # no such /proc interface here: ask psutil (which scans)
            return list(process.children(recursive=True))
    except (OSError, psutil.Error):
        pass  # a process that ended while being looked at
    return found


def _io(process: Any) -> dict[str, Optional[float]]:
    try:
        io = process.io_counters()
    except Exception:  # not every platform or process allows reading I/O counters
        return {"psutil_process_disk_read": None, "psutil_process_disk_write": None}
    return {"psutil_process_disk_read": float(io.read_chars if hasattr(io, "read_chars") else io.read_bytes),
            "psutil_process_disk_write": float(io.write_chars if hasattr(io, "write_chars") else io.write_bytes)}


#: How often an idle sampler looks for new tries (tries with shorter intervals wake it at once).
IDLE_WAIT = 1.0

#: A try that ran at least this long (seconds) always gets a final sample; a sample costs at most
#: about 1 % of such a try even on a loaded node.
FINAL_SAMPLE_AFTER = 0.1


class Sampler:
    """Samples this process for every monitored try running in it; one thread, started on need."""

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process(os.getpid())
        self.lock = threading.Lock()
        self.active: dict[int, tuple[float, list[dict[str, Any]]]] = {}
        self.wake = threading.Event()
        self.next_token = 0
        self.last_sample = -float("inf")  # time.monotonic() of this process's last final sample
        self.thread: Optional[threading.Thread] = None

    def enter(self, interval: float) -> int:
        with self.lock:
            self.next_token += 1
            token = self.next_token
            self.active[token] = (interval, [])
            if interval > 0 and self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="parsl-monitoring-sampler", daemon=True)
                self.thread.start()
        if 0 < interval < IDLE_WAIT:
            self.wake.set()  # the sampler may be idling for longer than this try's interval
        return token

    def leave(self, token: int, ran: float) -> list[dict[str, Any]]:
        """The try's samples: the periodic ones and a final one (none at all with interval 0, as in Parsl).

        A try that ran under ``FINAL_SAMPLE_AFTER`` seconds and got no periodic sample gets its final
        sample only if this process took none in the last ``interval``: short tasks then cost one
        sample per interval per worker process, not one each, and the worker still shows up.
        """
        with self.lock:
            interval, periodic = self.active.pop(token)
            samples = list(periodic)  # the sampler thread may still append to ``periodic``: not ours now
            now = time.monotonic()
            wanted = interval > 0 and (samples or ran >= FINAL_SAMPLE_AFTER or now - self.last_sample >= interval)
            if wanted:
                self.last_sample = now
        if wanted:
            try:
                samples.append(sample(self.process))
            except Exception:
                pass
        return samples

    def _loop(self) -> None:
        last: dict[int, float] = {}
        while True:
            self.wake.clear()  # before looking, so that a try entering from now on wakes the wait below
            with self.lock:
                active = list(self.active.items())
            now = time.monotonic()
            intervals = [i for _, (i, _) in active if i > 0]
            for token, (interval, samples) in active:
                if interval > 0 and now - last.setdefault(token, now) >= interval:
                    last[token] = now
                    try:
                        samples.append(sample(self.process))
                    except Exception:
                        pass
            last = {t: v for t, v in last.items() if t in dict(active)}
            self.wake.wait(min([*intervals, IDLE_WAIT]))


_the_sampler: Optional[Sampler] = None
_sampler_lock = threading.Lock()


def _sampler() -> Sampler:
    global _the_sampler
    if _the_sampler is None:
        with _sampler_lock:
            if _the_sampler is None:
                _the_sampler = Sampler()
    return _the_sampler


def _forget_process() -> None:
    """In a forked child: what was cached about the parent process (its node, its sampler) is not
    this process's. Reset at fork rather than checked with ``os.getpid()`` at each try: that is a
    system call, and two per try were a quarter of the wrapper's cost on a no-op try."""
    global _where_here, _node_info, _the_sampler, _sampler_lock
    _where_here = _node_info = _the_sampler = None
    _sampler_lock = threading.Lock()  # another thread of the parent may have held it at the fork
    _node_sent.clear()


os.register_at_fork(after_in_child=_forget_process)
