"""LightFuture: the stdlib Future contract with a lazily created condition, under concurrency."""

from __future__ import annotations

import concurrent.futures as cf
import threading

import pytest

from parsl.dataflow.lightfuture import LightFuture


def complete_later(futures, start):
    def run():
        start.wait()
        for i, f in enumerate(futures):
            if i % 3 == 0:
                f.set_exception(ValueError(i))
            else:
                f.set_result(i)

    t = threading.Thread(target=run)
    t.start()
    return t


def test_results_callbacks_and_waits_under_concurrency():
    futures = [LightFuture() for _ in range(3000)]
    calls = []
    for f in futures[::2]:
        f.add_done_callback(calls.append)
    start = threading.Event()
    setter = complete_later(futures, start)
    waited = []

    def wait_some(chunk):
        done, not_done = cf.wait(chunk, timeout=30)
        waited.append((len(done), len(not_done)))

    waiters = [threading.Thread(target=wait_some, args=(futures[i::4],)) for i in range(4)]
    for w in waiters:
        w.start()
    start.set()
    completed = list(cf.as_completed(futures[1::7], timeout=30))
    for i, f in enumerate(futures):
        if i % 3 == 0:
            assert isinstance(f.exception(timeout=30), ValueError)
        else:
            assert f.result(timeout=30) == i
    setter.join()
    for w in waiters:
        w.join()
    assert len(completed) == len(futures[1::7])
    assert sorted(n for n, _ in waited) == sorted(len(futures[i::4]) for i in range(4))
    assert len(calls) == len(futures[::2]) and len(set(map(id, calls))) == len(calls)


def test_no_state_change_while_wait_holds_the_condition():
    """``cf.wait`` counts pending futures and installs its waiter while holding their conditions;
    a result set in between must wait for the condition, or it is counted twice and ``wait``
    returns one future early (seen as 749 of 750 done under load)."""
    f = LightFuture()
    with f._condition:
        setter = threading.Thread(target=f.set_result, args=(1,))
        setter.start()
        setter.join(timeout=0.5)  # only bounds the wait for something that must not happen
        assert setter.is_alive() and not f.done()
    setter.join()
    assert f.result() == 1


def test_cancel_is_refused_once_running_and_idempotent_once_cancelled():
    running, pending = LightFuture(), LightFuture()
    assert running.set_running_or_notify_cancel()
    assert not running.cancel() and not running.cancelled()
    assert pending.cancel() and pending.cancel() and pending.cancelled()
    with pytest.raises(cf.InvalidStateError):
        pending.set_result(1)


def test_callback_added_after_completion_runs_at_once():
    f = LightFuture()
    f.set_result(5)
    seen = []
    f.add_done_callback(lambda fut: seen.append(fut.result()))
    assert seen == [5] and f.done() and not f.running()


def test_a_raising_callback_is_logged_and_others_still_run(caplog):
    f = LightFuture()
    seen = []
    f.add_done_callback(lambda fut: 1 / 0)
    f.add_done_callback(seen.append)
    f.set_result(1)
    assert seen == [f]
    assert "exception calling callback" in caplog.text


def test_completing_twice_is_an_invalid_state():
    f = LightFuture()
    f.set_result(1)
    with pytest.raises(cf.InvalidStateError):
        f.set_result(2)
    with pytest.raises(cf.InvalidStateError):
        f.set_exception(ValueError())


def test_cancel_and_running():
    f = LightFuture()
    assert f.cancel() and f.cancelled() and f.done()
    with pytest.raises(cf.CancelledError):
        f.result()
    g = LightFuture()
    assert g.set_running_or_notify_cancel() and g.running()
    assert not g.cancel()
    g.set_result(None)
    assert not f.set_running_or_notify_cancel()


def test_result_timeout():
    with pytest.raises(cf.TimeoutError):
        LightFuture().result(timeout=0.01)


def test_an_exception_object_can_be_a_result_and_outcomes_read_as_the_stdlib_does():
    returned, raised = LightFuture(), LightFuture()
    error = ValueError("a result, not a failure")
    returned.set_result(error)
    raised.set_exception(KeyError("k"))
    assert returned.result() is error and returned.exception() is None
    assert isinstance(raised.exception(), KeyError)
    with pytest.raises(KeyError):
        raised.result()
    # the stdlib's own methods and asyncio read these fields
    assert (returned._result, returned._exception) == (error, None)
    assert raised._result is None and isinstance(raised._exception, KeyError)
    assert cf.Future.result(returned) is error
    with pytest.raises(KeyError):
        cf.Future.result(raised)


def test_a_future_made_finished_reads_waits_and_calls_back_as_one_completed_later():
    returned, raised = LightFuture.finished(7), LightFuture.finished(exception=KeyError("k"))
    assert returned.done() and returned.result() == 7 and returned.exception() is None
    with pytest.raises(KeyError):
        raised.result()
    done, pending = cf.wait([returned, raised], timeout=0)
    assert done == {returned, raised} and not pending
    seen = []
    returned.add_done_callback(seen.append)
    assert seen == [returned]
    with pytest.raises(cf.InvalidStateError):
        returned.set_result(8)
