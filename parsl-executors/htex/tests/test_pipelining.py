"""Several short tasks sent to a worker at once: the worker's reads, and a worker lost with them."""

from __future__ import annotations

import os
import threading
from typing import Iterator

import pytest
import zmq

from parsl.serialize import deserialize, pack_apply_message
from parsl_executor_htex import process_worker_pool, wire
from parsl_executor_htex.pipes import HEADER, read_exact, write_all
from parsl_executor_htex.worker import READY_KIND, serve


def kill_own_worker() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def add(x: int, y: int) -> int:
    return x + y


def test_a_worker_reads_tasks_sent_together_or_split_and_answers_each_in_order() -> None:
    task_r, task_w = os.pipe()
    result_r, result_w = os.pipe()
    thread = threading.Thread(target=serve, args=(task_r, result_w, lambda ctx, buf: (len(ctx), buf[::-1])))
    thread.start()
    try:
        assert HEADER.unpack(read_exact(result_r, HEADER.size))[1] == READY_KIND
        bodies = [b"one", b"x" * 300_000, b"", b"three"]  # the large one spans many reads
        parts = []
        for tid, body in enumerate(bodies):
            parts += [HEADER.pack(tid, 2, len(body)), b"c" * 2, body]
        data = b"".join(parts)
        write_all(task_w, [data[:5]])  # a header cut in two
        write_all(task_w, [data[5:]])
        for tid, body in enumerate(bodies):
            got_tid, kind, size = HEADER.unpack(read_exact(result_r, HEADER.size))
            assert (got_tid, kind) == (tid, 2)
            assert (read_exact(result_r, size) if size else b"") == body[::-1]
    finally:
        os.close(task_w)
        thread.join(10)
        for fd in (task_r, result_r, result_w):
            os.close(fd)
    assert not thread.is_alive()


@pytest.fixture
def pool(tmp_path, monkeypatch) -> Iterator[process_worker_pool.WorkerPool]:
    """A worker pool with one real worker and no interchange (its results stay in ``out_ids``);
    the worker imports this module to run its functions."""
    args = process_worker_pool.parser().parse_args(
        ["-a", "127.0.0.1", "--port", "1", "--max_workers_per_node", "1", "--logdir", str(tmp_path)])
    pool = process_worker_pool.WorkerPool(args)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [os.path.dirname(__file__),
                                                                   os.environ.get("PYTHONPATH")])))
    pool.poller = zmq.Poller()
    pool._spawn(0)
    try:
        yield pool
    finally:
        pool.shutdown()


def _ready_worker(pool: process_worker_pool.WorkerPool) -> process_worker_pool.Worker:
    """The pool's one worker, once it said it is ready."""
    (w,) = pool.workers.values()
    while not w.started:
        assert pool.poller.poll(30_000), "the worker did not start within 30 s"
        pool._from_worker(w)
    return w


def _run_until(pool: process_worker_pool.WorkerPool, results: int) -> None:
    """Handle the workers' messages until ``results`` results are waiting to leave."""
    while len(pool.out_ids) < results:
        events = pool.poller.poll(30_000)
        assert events, f"no message from a worker within 30 s ({pool.out_ids} so far)"
        for fd, _ in events:
            pool._from_worker(pool.workers[fd])


def test_a_worker_lost_holding_several_tasks_reports_each_of_them_lost_once(pool) -> None:
    w = _ready_worker(pool)
    pool.mean_task = 0.0  # short tasks: a worker is sent several at once
    funcs = [(add, (1, 2)), (kill_own_worker, ()), (add, (3, 4)), (add, (5, 6))]
    pool.queue.extend(wire.make_task((wire.NO_PRIORITY, tid, b"", pack_apply_message(f, a, {}), b""))
                      for tid, (f, a) in enumerate(funcs))
    pool._dispatch()
    assert list(w.tasks) == [0, 1, 2, 3] and not pool.queue
    _run_until(pool, 4)
    assert pool.out_ids == [0, 1, 2, 3]
    assert list(pool.out_kinds) == [wire.OK, wire.WORKER_LOST, wire.WORKER_LOST, wire.WORKER_LOST]
    assert deserialize(pool.out_payloads[0]) == 3
    assert pool.in_workers == 0
    (replacement,) = pool.workers.values()
    assert replacement is not w and replacement.rank == 0 and not replacement.tasks


def test_a_task_with_a_resource_request_waits_for_an_idle_worker(pool) -> None:
    w = _ready_worker(pool)
    pool.mean_task = 0.0
    timed = wire.pack_resources({"running_time": 30})
    pool.queue.extend([wire.make_task((wire.NO_PRIORITY, 0, b"", pack_apply_message(add, (1, 1), {}), b"")),
                       wire.make_task((wire.NO_PRIORITY, 1, b"", pack_apply_message(add, (2, 2), {}), timed))])
    pool._dispatch()
    assert list(w.tasks) == [0] and len(pool.queue) == 1  # not queued behind the plain task
    _run_until(pool, 1)
    pool._dispatch()
    assert list(w.tasks) == [1] and w.deadline is not None
    _run_until(pool, 2)
    assert [deserialize(p) for p in pool.out_payloads] == [2, 4]
