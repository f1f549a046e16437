"""The interchange's waiting tasks: the executor's TASKS frames kept whole and sliced on dispatch.

Most tasks have neither a priority nor a resource request, and leave in the order they came. A
run of such tasks in a TASKS frame has its headers side by side and its bodies side by side, so
a pool's share is one slice of each, copied into a new frame: no Python object per task, which
with a thousand pools was most of the interchange's work per task (unpacking every task,
a heap pop, packing it again). Tasks with a priority or a resource request are unpacked into
``wire.Task`` records kept in a heap. The next task is the smaller (priority, id) of the
heap's first and the frames' first; the frames keep the order tasks came in, which is the
order of their ids as the executor sends them, so this is the order of a single heap.
"""

from __future__ import annotations

import heapq
from collections import deque
from itertools import accumulate
from typing import Iterator, Optional

from parsl_executor_htex import wire

_HEAD = wire.TASK_HEADER.size


class _Run:
    """The tasks of one frame that are still waiting: ``heads[next:]``."""

    __slots__ = ("frame", "heads", "next", "starts")

    def __init__(self, frame: memoryview, heads: list[tuple[int, float, int, int, int]], start: int) -> None:
        self.frame = frame
        self.heads = heads
        self.next = 0
        # where each task's header and body begin; one entry past the last task
        self.starts = list(accumulate((h[2] + h[3] for h in heads), initial=start + len(heads) * _HEAD))

    def first_key(self) -> tuple[float, int]:
        return (wire.NO_PRIORITY, self.heads[self.next][0])

    def task(self, i: int) -> wire.Task:
        tid, priority, nctx, _, _ = self.heads[i]
        body, end = self.starts[i], self.starts[i + 1]
        return wire.make_task((priority, tid, self.frame[body:body + nctx], self.frame[body + nctx:end], b""))


class TaskQueue:
    """Tasks waiting for a pool, in (priority, id) order."""

    def __init__(self) -> None:
        self._runs: deque[_Run] = deque()
        self._plain = 0  # tasks in ``_runs``
        self._heap: list[wire.Task] = []

    def __len__(self) -> int:
        return self._plain + len(self._heap)

    def __bool__(self) -> bool:
        return bool(self._plain or self._heap)

    def add(self, frame: bytes, front: bool = False) -> int:
        """Queue the tasks of a TASKS frame (``front``: ahead of the other plain tasks, for tasks
        taken but not delivered); returns how many have a resource request."""
        view = memoryview(frame)
        start = 1 + wire.COUNT.size
        (n,) = wire.COUNT.unpack_from(view, 1)
        heads = list(wire.TASK_HEADER.iter_unpack(view[start:start + n * _HEAD]))
        if all(h[1] == wire.NO_PRIORITY and not h[4] for h in heads):
            self._add_run(_Run(view, heads, start), front)
            return 0
        plain, requests = [], 0
        for task in wire.unpack_tasks(frame):
            if task.priority == wire.NO_PRIORITY and not task.res:
                plain.append(task)
            else:
                requests += bool(task.res)
                heapq.heappush(self._heap, task)
        if plain:
            self.add(wire.pack_tasks(plain), front)
        return requests

    def _add_run(self, run: _Run, front: bool) -> None:
        if run.heads:
            self._plain += len(run.heads)
            if front:
                self._runs.appendleft(run)
            else:
                self._runs.append(run)

    def _heap_first(self) -> bool:
        """Whether the next task is the heap's."""
        return bool(self._heap) and (not self._runs or self._heap[0][:2] < self._runs[0].first_key())

    def take(self, n: int) -> tuple[bytes, list[int]]:
        """The next ``n`` tasks (fewer if fewer wait) as one TASKS frame, and their ids. (A run is
        sliced whole: a waiting resource request ordered inside it would come after it; the
        interchange sends one task at a time, ``pop``, while such requests wait.)"""
        heads: list[bytes | memoryview] = []
        bodies: list[bytes | memoryview] = []
        ids: list[int] = []
        first_head = 1 + wire.COUNT.size
        while len(ids) < n and self:
            if self._heap_first():
                priority, tid, ctx, buf, res = heapq.heappop(self._heap)
                heads.append(wire.TASK_HEADER.pack(tid, priority, len(ctx), len(buf), len(res)))
                bodies += (ctx, buf, res)
                ids.append(tid)
                continue
            run = self._runs[0]
            lo = run.next
            hi = min(len(run.heads), lo + n - len(ids))
            heads.append(run.frame[first_head + lo * _HEAD:first_head + hi * _HEAD])
            bodies.append(run.frame[run.starts[lo]:run.starts[hi]])
            ids += [h[0] for h in run.heads[lo:hi]]
            self._plain -= hi - lo
            run.next = hi
            if hi == len(run.heads):
                self._runs.popleft()
        return b"".join([wire.TASKS, wire.COUNT.pack(len(ids)), *heads, *bodies]), ids

    def first(self) -> Optional[wire.Task]:
        """The next task, left in the queue (None when none waits)."""
        if self._heap_first():
            return self._heap[0]
        if self._runs:
            run = self._runs[0]
            return run.task(run.next)
        return None

    def pop(self) -> wire.Task:
        """Remove and return the next task (there must be one)."""
        if self._heap_first():
            return heapq.heappop(self._heap)
        run = self._runs[0]
        task = run.task(run.next)
        run.next += 1
        self._plain -= 1
        if run.next == len(run.heads):
            self._runs.popleft()
        return task

    def push_front(self, task: wire.Task) -> None:
        """Put back a task taken by ``pop`` (it goes first again)."""
        if task.priority == wire.NO_PRIORITY and not task.res:
            self.add(wire.pack_tasks([task]), front=True)
        else:
            heapq.heappush(self._heap, task)

    def requests(self) -> Iterator[wire.Task]:
        """The waiting tasks that have a resource request."""
        return (t for t in self._heap if t.res)

    def drop(self, ids: set[int]) -> None:
        """Remove waiting tasks with a resource request by id."""
        self._heap = [t for t in self._heap if t.tid not in ids]
        heapq.heapify(self._heap)
