"""A spec'd stand-in of ``globus_compute_sdk.Executor`` whose tasks run on a real local process pool.

``unittest.mock.create_autospec`` of the real SDK class (installed in this venv): any attribute
or call the SDK's ``Executor`` does not have fails the test. Its ``submit`` mirrors the SDK's
wire: the invocation is serialized with Parsl's serializer, run in a ``ProcessPoolExecutor``
worker process (standing in for the endpoint's engine), and the result deserialized into a
plain ``Future``, as the SDK's ``ComputeFuture`` is. Its result watcher's ``shutdown(...,
cancel_futures=True)`` cancels every open future, as the SDK's ``_ResultWatcher`` does.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Iterator, Set
from unittest import mock

import pytest


def run_packed(buffer: bytes) -> bytes:
    """In the worker process: unpack, run, serialize the result (the endpoint's role)."""
    from parsl.serialize import serialize, unpack_apply_message

    func, args, kwargs = unpack_apply_message(buffer)
    return serialize(func(*args, **kwargs))


class StandIn:
    """Holds the spec'd mock and the pool behind it."""

    def __init__(self) -> None:
        from globus_compute_sdk import Executor

        self.pool = ProcessPoolExecutor(2)
        self.open: Set[Future] = set()
        self.lock = threading.Lock()
        self.sdk = mock.create_autospec(Executor, instance=True)
        self.sdk.resource_specification = None
        self.sdk.user_endpoint_config = None
        self.sdk.submit.side_effect = self.submit
        self.sdk._get_result_watcher.return_value.shutdown.side_effect = self.cancel_open

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Future:
        from parsl.serialize import deserialize, pack_apply_message

        out: Future = Future()
        with self.lock:
            self.open.add(out)
        running = self.pool.submit(run_packed, pack_apply_message(fn, args, kwargs))

        def done(f: Future) -> None:
            with self.lock:
                if out not in self.open:  # cancelled at shutdown
                    return
                self.open.discard(out)
            try:
                out.set_result(deserialize(f.result()))
            except BaseException as e:
                out.set_exception(e)

        running.add_done_callback(done)
        return out

    def cancel_open(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            with self.lock:
                left, self.open = self.open, set()
            for fut in left:
                fut.cancel()
                fut.set_running_or_notify_cancel()


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    s = StandIn()
    yield s
    s.pool.shutdown(wait=True, cancel_futures=True)
