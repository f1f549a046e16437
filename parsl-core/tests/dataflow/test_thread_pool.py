"""The thread pool's own bookkeeping: a thread for each task unless a waiting thread takes it."""

import threading

from parsl.executors.threads import WorkerPool


def test_a_waiting_thread_takes_one_task_not_two():
    """Two tasks submitted while one thread waits: the first takes the waiting thread, the second
    starts a thread of its own (had both counted on the one waiting thread, the second would wait
    behind the first, and forever if the first waited for it)."""
    pool = WorkerPool(2, "claim")
    try:
        pool._idle.append(None)  # what a thread does just before it waits for a task
        first = pool.submit(lambda: 1, (), {})
        assert pool._threads == [] and pool._idle == []
        second = pool.submit(lambda: 2, (), {})
        assert len(pool._threads) == 1
        # the started thread runs both (the waiting thread above was only its mark)
        assert (first.result(timeout=60), second.result(timeout=60)) == (1, 2)
    finally:
        pool.shutdown()


def test_threads_start_only_up_to_max_workers():
    pool = WorkerPool(1, "max")
    try:
        futures = [pool.submit(lambda i=i: i, (), {}) for i in range(5)]
        assert [f.result(timeout=60) for f in futures] == list(range(5))
        assert len(pool._threads) == 1
    finally:
        pool.shutdown()


def test_a_task_waiting_for_a_later_one_gets_a_second_thread():
    """A thread started for a task is busy with it: the next task starts the second thread."""
    pool = WorkerPool(2, "wait")
    later_ran = threading.Event()
    try:
        first = pool.submit(later_ran.wait, (60,), {})
        pool.submit(later_ran.set, (), {})
        assert first.result(timeout=120) is True
    finally:
        later_ran.set()
        pool.shutdown()
