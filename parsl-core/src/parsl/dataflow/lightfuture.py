"""``LightFuture``: a ``concurrent.futures.Future`` that builds its condition variable only when needed.

A stdlib Future allocates a ``threading.Condition`` (an RLock plus bound methods) when it is
created and takes it on every operation. Parsl makes two futures per task (the executor's and
the AppFuture), most of which nobody ever blocks on. Here completion and callback registration
take one of a fixed set of locks, chosen by the future's id (each holds it for a few
instructions), the per-future condition is created on first ``result()``/``exception()`` wait or
``concurrent.futures.wait``/``as_completed``, and a completed future's ``result()`` returns
without locking.

Why several locks and not one: a thread can lose the GIL while it holds a lock. With one lock
for all futures, the thread submitting tasks and a thread completing them then met on it all the
time, and once they had, they went on handing the GIL to each other at every task (a lock
convoy: about two context switches per task per thread, half the throughput, and which rounds
fell into it was chance). Two threads now meet only on the same future or one of its stripe.

Correctness argument, in short: a setter writes ``_state`` and then looks for a condition; a
waiter creates the condition and then reads ``_state`` under it. Either the setter sees the
condition (and notifies under it) or the waiter sees the final state.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import CancelledError, Future, InvalidStateError
from concurrent.futures._base import CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED, PENDING, RUNNING
from typing import Any, Callable, List, Optional

logger = logging.getLogger("concurrent.futures")

#: Future ``f``'s lock is ``_LOCKS[id(f) % _STRIPES]`` (a prime: ids are multiples of 16).
_STRIPES = 61
_LOCKS = tuple(threading.Lock() for _ in range(_STRIPES))
_DONE = (CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED)


class _Raised:
    """A failed future's outcome: its exception (a result may itself be an exception object)."""

    __slots__ = ("exception",)

    def __init__(self, exception: BaseException) -> None:
        self.exception = exception


class _Condition(threading.Condition):
    """A future's condition, holding the ``concurrent.futures`` waiters installed under it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiters: List[Any] = []


class LightFuture(Future):
    """A Future whose per-instance lock, waiter list and callback list are created lazily."""

    # The stdlib Future's state and outcome are slots too: written to the instance ``__dict__``
    # (which every Future subclass has), they would make CPython build a dict per completed
    # future. Result and exception share one (``_Raised`` marks an exception), and the waiter
    # list lives in the condition: a pending future is 8 bytes bigger than with class defaults.
    __slots__ = ("_cb", "_cond", "_outcome", "_state")
    _cond: Optional[_Condition]
    _cb: Optional[List[Callable[[Future], Any]]]
    _state: str
    _outcome: Any

    def __init__(self) -> None:
        # Future.__init__ is deliberately not called: it would build the condition now.
        self._cond = self._cb = self._outcome = None
        self._state = PENDING

    @classmethod
    def finished(cls, result: Any = None, exception: Optional[BaseException] = None) -> LightFuture:
        """A future made finished with ``result`` (or ``exception``): nobody can wait on it yet,
        so no lock is taken and there are no callbacks to run."""
        fut = cls.__new__(cls)
        fut._cond = fut._cb = None
        fut._outcome = result if exception is None else _Raised(exception)
        fut._state = FINISHED
        return fut

    # -- lazily created internals, under the names the stdlib Future and wait() use -------------

    @property
    def _condition(self) -> _Condition:  # type: ignore[override]
        cond = self._cond
        if cond is None:
            with _LOCKS[id(self) % _STRIPES]:
                if self._cond is None:
                    self._cond = _Condition()
                cond = self._cond
        return cond

    @property
    def _waiters(self) -> List[Any]:  # type: ignore[override]  # only touched with the condition held
        return self._condition.waiters

    @property
    def _result(self) -> Any:  # type: ignore[override]  # read by the stdlib Future
        outcome = self._outcome
        return None if type(outcome) is _Raised else outcome

    @property
    def _exception(self) -> Optional[BaseException]:  # type: ignore[override]
        outcome = self._outcome
        return outcome.exception if type(outcome) is _Raised else None

    @property
    def _done_callbacks(self) -> List[Callable[[Future], Any]]:  # appended under the future's lock
        if self._cb is None:
            self._cb = []
        return self._cb

    # -- state queries without locks --------------------------------------------------------------

    def done(self) -> bool:
        return self._state in _DONE

    def running(self) -> bool:
        return self._state == RUNNING

    def cancelled(self) -> bool:
        return self._state in (CANCELLED, CANCELLED_AND_NOTIFIED)

    def result(self, timeout: Optional[float] = None) -> Any:
        if self._state == FINISHED:
            outcome = self._outcome
            if type(outcome) is _Raised:
                raise outcome.exception
            return outcome
        return super().result(timeout)

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        if self._state == FINISHED:
            return self._exception
        return super().exception(timeout)

    # -- transitions --------------------------------------------------------------------------------

    def add_done_callback(self, fn: Callable[[Future], Any]) -> None:
        with _LOCKS[id(self) % _STRIPES]:
            if self._state not in _DONE:
                self._done_callbacks.append(fn)
                return
        try:
            fn(self)
        except Exception:
            logger.exception("exception calling callback for %r", self)

    def set_result(self, result: Any) -> None:
        self._finish(FINISHED, result, None, "add_result")

    def set_exception(self, exception: Optional[BaseException]) -> None:
        self._finish(FINISHED, None, exception, "add_exception")

    def cancel(self) -> bool:
        try:
            self._finish(CANCELLED_AND_NOTIFIED, None, None, "add_cancelled")
        except InvalidStateError:  # running, finished, or cancelled before
            return self.cancelled()
        return True

    def set_running_or_notify_cancel(self) -> bool:
        with _LOCKS[id(self) % _STRIPES]:
            if self._state == PENDING:
                self._state = RUNNING
                return True
            if self._state in (CANCELLED, CANCELLED_AND_NOTIFIED):
                return False
        raise RuntimeError(f"Future in unexpected state {self._state}")

    def _invoke_callbacks(self) -> None:
        """Call and then drop the callbacks: they often refer back to this future's owner."""
        callbacks = self._cb
        if callbacks is None:
            return
        self._cb = None
        for callback in callbacks:
            try:
                callback(self)
            except Exception:
                logger.exception("exception calling callback for %r", self)

    def _finish(self, state: str, result: Any, exception: Optional[BaseException], notify: str) -> None:
        """Move the future to ``state``, tell its waiters (``waiter.<notify>(self)``), run its callbacks.

        Once a condition exists, the state changes while it is held, as in the stdlib Future:
        ``concurrent.futures.wait`` counts the pending futures and installs its waiter under the
        conditions, so a state changed in between would be counted as done and then once more
        when its notification arrives (the waiter would return a future early). Without a
        condition nobody waits yet, and whoever creates one later reads the final state under it.
        """
        lock = _LOCKS[id(self) % _STRIPES]
        while True:
            cond = self._cond
            if cond is None:
                with lock:
                    if self._cond is None:  # still nobody waiting: nobody to tell
                        self._set_state(state, result, exception)
                        break
                continue  # a waiter created the condition meanwhile: change the state under it
            with cond:
                with lock:
                    self._set_state(state, result, exception)
                for waiter in cond.waiters:
                    getattr(waiter, notify)(self)
                cond.notify_all()
            break
        self._invoke_callbacks()

    def _set_state(self, state: str, result: Any, exception: Optional[BaseException]) -> None:
        """Called with the future's lock held; only a pending future (or, unless cancelling, a running one) moves."""
        if self._state in _DONE or (self._state == RUNNING and state != FINISHED):
            raise InvalidStateError(f"{self._state}: {self!r}")
        self._outcome = result if exception is None else _Raised(exception)
        self._state = state

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {id(self):#x} state={self._state.lower()}>"


__all__ = ["CancelledError", "LightFuture"]
