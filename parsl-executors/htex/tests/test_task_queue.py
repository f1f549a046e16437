"""The interchange's queue of waiting tasks: frames sliced without unpacking, priorities first."""

from __future__ import annotations

from parsl_executor_htex import wire
from parsl_executor_htex.task_queue import TaskQueue


def _frame(*tasks: tuple[int, float, bytes]) -> bytes:
    """A TASKS frame of (id, priority, res) tasks whose buffer names the task."""
    return wire.pack_tasks([wire.make_task((prio, tid, b"c%d" % tid, b"buf-%d" % tid, res))
                            for tid, prio, res in tasks])


def _sent(frame: bytes) -> list[tuple[int, bytes, bytes]]:
    return [(t.tid, bytes(t.ctx), bytes(t.buf)) for t in wire.unpack_tasks(frame)]


def test_plain_tasks_leave_in_order_in_slices_across_frames() -> None:
    queue = TaskQueue()
    assert not queue and queue.take(3) == (wire.pack_tasks([]), [])
    queue.add(_frame(*((i, wire.NO_PRIORITY, b"") for i in range(5))))
    queue.add(_frame(*((i, wire.NO_PRIORITY, b"") for i in range(5, 8))))
    assert len(queue) == 8
    frame, ids = queue.take(3)
    assert ids == [0, 1, 2] and _sent(frame) == [(i, b"c%d" % i, b"buf-%d" % i) for i in range(3)]
    frame, ids = queue.take(4)  # the rest of the first frame and the start of the second
    assert ids == [3, 4, 5, 6] and _sent(frame) == [(i, b"c%d" % i, b"buf-%d" % i) for i in range(3, 7)]
    frame, ids = queue.take(10)
    assert ids == [7] and len(queue) == 0


def test_prioritized_tasks_go_first_and_a_failed_send_puts_tasks_back_first() -> None:
    queue = TaskQueue()
    queue.add(_frame((1, wire.NO_PRIORITY, b""), (2, 5.0, b""), (3, wire.NO_PRIORITY, b""), (4, 1.0, b"")))
    frame, ids = queue.take(3)
    assert ids == [4, 2, 1] and [t[0] for t in _sent(frame)] == [4, 2, 1]
    assert queue.add(frame, front=True) == 0  # not delivered: in order again, before task 3
    assert queue.take(10)[1] == [4, 2, 1, 3]


def test_resource_requests_one_at_a_time_and_dropped() -> None:
    res = wire.pack_resources({"cores": 2})
    queue = TaskQueue()
    assert queue.add(_frame((1, wire.NO_PRIORITY, b""), (2, wire.NO_PRIORITY, res), (3, wire.NO_PRIORITY, b""))) == 1
    assert [t.tid for t in queue.requests()] == [2]
    first = queue.first()
    assert first is not None and first.tid == 1 and bytes(first.buf) == b"buf-1"
    assert queue.pop().tid == 1
    task = queue.pop()
    assert task.tid == 2 and wire.unpack_resources(task.res).cores == 2
    queue.push_front(task)
    queue.drop({2})
    assert [queue.pop().tid for _ in range(len(queue))] == [3] and queue.first() is None
