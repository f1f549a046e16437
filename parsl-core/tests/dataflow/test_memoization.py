"""App caching: id_for_memo, make_hash, cache=, ignore_for_cache=, BasicMemoizer(memoize=False)."""

from __future__ import annotations

import pickle

import pytest

from parsl import File, python_app
from parsl.dataflow.memoization import BasicMemoizer, Memoizer, id_for_memo, make_hash
from parsl.dataflow.states import States


def counting_app(**decorator_kwargs):
    calls = []

    @python_app(cache=True, **decorator_kwargs)
    def work(x, y=0, label=None, stdout=None):
        calls.append((x, y, label))
        return x + y

    return work, calls


def test_identical_calls_are_memoized(make_dfk):
    dfk = make_dfk(garbage_collect=False)
    work, calls = counting_app()
    first = work(1, y=2)
    assert first.result() == 3
    second = work(1, y=2)
    assert second.result() == 3
    assert calls == [(1, 2, None)]
    assert dfk.tasks[second.tid]["status"] is States.memo_done
    assert dfk.tasks[second.tid]["from_memo"] is True
    assert dfk.tasks[first.tid]["hashsum"] == dfk.tasks[second.tid]["hashsum"]


def test_different_arguments_run_again(dfk):
    work, calls = counting_app()
    assert work(1).result() == 1
    assert work(2).result() == 2
    assert len(calls) == 2


def test_ignore_for_cache(dfk):
    work, calls = counting_app(ignore_for_cache=["label"])
    work(1, label="a").result()
    work(1, label="b").result()
    assert len(calls) == 1


def test_auto_logname_is_ignored_for_cache(dfk):
    import parsl

    work, calls = counting_app()
    work(1, stdout=parsl.AUTO_LOGNAME).result()
    work(1, stdout=parsl.AUTO_LOGNAME).result()
    assert len(calls) == 1


def test_without_cache_nothing_is_memoized(dfk):
    calls = []

    @python_app
    def plain(x):
        calls.append(x)
        return x

    plain(1).result()
    plain(1).result()
    assert len(calls) == 2


def test_memoize_false_turns_caching_off(make_dfk):
    make_dfk(memoizer=BasicMemoizer(memoize=False))
    work, calls = counting_app()
    work(1).result()
    work(1).result()
    assert len(calls) == 2


def test_exceptions_are_memoized_within_a_run(dfk):
    calls = []

    @python_app(cache=True)
    def failing(x):
        calls.append(x)
        raise ValueError("always")

    with pytest.raises(ValueError):
        failing(1).result()
    with pytest.raises(ValueError):
        failing(1).result()
    assert calls == [1]


def test_unknown_argument_type_fails_the_task(dfk):
    work, _ = counting_app()
    with pytest.raises(ValueError, match="unknown type for memoization"):
        work(object()).result()
    assert work(1).result() == 1  # other tasks unaffected


class Sample:
    def __init__(self, key):
        self.key = key


@id_for_memo.register(Sample)
def _id_for_sample(obj, output_ref=False):
    return pickle.dumps(("Sample", obj.key))


def test_id_for_memo_is_extensible(dfk):
    calls = []

    @python_app(cache=True)
    def use(sample):
        calls.append(sample.key)
        return sample.key

    assert use(Sample("k")).result() == "k"
    assert use(Sample("k")).result() == "k"
    assert calls == ["k"]


def test_id_for_memo_normalises_dicts_and_rejects_subclasses():
    assert id_for_memo({"a": 1, "b": 2}) == id_for_memo({"b": 2, "a": 1})
    assert id_for_memo([1, 2]) != id_for_memo([2, 1])

    class MyList(list):
        pass

    with pytest.raises(ValueError, match="subclasses"):
        id_for_memo(MyList())


def test_functions_hash_by_name_and_module():
    def f():
        return 1

    g = f

    def f():
        return 2

    assert id_for_memo(g) == id_for_memo(f)


def test_files_hash_by_url():
    assert id_for_memo(File("a.txt")) == id_for_memo(File("a.txt"))
    assert id_for_memo(File("a.txt")) != id_for_memo(File("b.txt"))


def test_make_hash_ignores_listed_kwargs_and_treats_outputs_as_references():
    def func():
        pass

    base = {"func": func, "args": (1,), "kwargs": {"a": 1, "label": "x"}, "ignore_for_cache": []}
    ignored = dict(base, kwargs={"a": 1, "label": "y"}, ignore_for_cache=["label"])
    assert make_hash(dict(base, ignore_for_cache=["label"])) == make_hash(ignored)
    assert make_hash(base) != make_hash(dict(base, kwargs={"a": 1, "label": "y"}))
    with_outputs = dict(base, kwargs={"a": 1, "label": "x", "outputs": [File("o.txt")]})
    assert make_hash(with_outputs) != make_hash(base)


def test_basic_memoizer_is_a_settings_class():
    m = BasicMemoizer(checkpoint_mode="task_exit", checkpoint_files=["/x"])
    assert repr(m) == ("BasicMemoizer(checkpoint_files=['/x'], checkpoint_period=None, "
                       "checkpoint_mode='task_exit', memoize=True)")
    with pytest.raises(TypeError):
        BasicMemoizer("task_exit")  # keyword-only, as in Parsl
    with pytest.raises(TypeError, match="checkpoint_mode"):
        BasicMemoizer(checkpoint_mode="sometimes")


class RecordingMemoizer(Memoizer):
    """A third-party memoizer: sees every task, can be made to fail."""

    def __init__(self, fail_check=False, fail_update=False):
        self.fail_check = fail_check
        self.fail_update = fail_update
        self.seen = []
        self.closed = False

    def start(self, *, run_dir, config_run_dir):
        self.run_dir = run_dir

    def check_memo(self, task):
        if self.fail_check:
            raise LookupError("memo store unavailable")
        self.seen.append(("check", task["id"]))
        return None

    def update_memo_result(self, task, r):
        if self.fail_update:
            raise OSError("memo store full")
        self.seen.append(("result", task["id"], r))

    def update_memo_exception(self, task, e):
        self.seen.append(("exception", task["id"], type(e).__name__))

    def close(self):
        self.closed = True


@python_app
def echo(x):
    return x


def test_a_custom_memoizer_sees_every_task(make_dfk):
    memoizer = RecordingMemoizer()
    dfk = make_dfk(memoizer=memoizer)
    assert echo(4).result() == 4
    dfk.cleanup()
    assert memoizer.seen == [("check", 0), ("result", 0, 4)]
    assert memoizer.closed


def test_a_failing_memo_lookup_fails_the_task(make_dfk):
    make_dfk(memoizer=RecordingMemoizer(fail_check=True))
    with pytest.raises(LookupError, match="unavailable"):
        echo(1).result()


def test_a_failing_memo_update_does_not_lose_the_result(make_dfk, caplog):
    make_dfk(memoizer=RecordingMemoizer(fail_update=True))
    assert echo(2).result() == 2
    assert "memo store full" in caplog.text
