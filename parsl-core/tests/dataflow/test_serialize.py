"""The serialization facade, remote exceptions, and a task whose argument cannot be pickled."""

from __future__ import annotations

import concurrent.futures as cf
import pickle
import sys
import threading

import pytest

from parsl import python_app
from parsl.app.errors import RemoteExceptionWrapper, UnpicklableRemoteException, wrap_error
from parsl.executors.base import ParslExecutor
from parsl.plugins.settings import settings
from parsl.serialize import deserialize, pack_apply_message, serialize, unpack_apply_message
from parsl.serialize.concretes import _dill_dumps_cached
from parsl.serialize.errors import DeserializationError, DeserializerPluginError, SerializationError
from parsl.serialize.facade import pack_buffers, unpack_and_deserialize, unpack_buffers


def module_level(x):
    return x + 1


def test_plain_data_goes_through_pickle():
    payload = serialize({"a": [1, 2.5, "three", None, (4,)]})
    assert payload.startswith(b"01\n")
    assert deserialize(payload) == {"a": [1, 2.5, "three", None, (4,)]}


def test_data_holding_lambdas_or_local_classes_goes_through_dill():
    class Local:
        def __init__(self, v):
            self.v = v

    payload = serialize([lambda y: y * 3, Local(5)])
    assert payload.startswith(b"02\n")
    func, obj = deserialize(payload)
    assert func(2) == 6 and obj.v == 5


def test_data_referring_to_main_goes_through_dill_even_where_pickle_could_save_it(monkeypatch):
    class Point:
        def __init__(self, v):
            self.v = v

    # a class that a script defines: pickle would save it by a reference a worker cannot import
    Point.__module__, Point.__qualname__ = "__main__", "ParslTestPoint"
    monkeypatch.setattr(sys.modules["__main__"], "ParslTestPoint", Point, raising=False)
    payload = serialize([Point(7)])
    assert payload.startswith(b"02\n")
    assert deserialize(payload)[0].v == 7


def test_data_that_only_mentions_main_still_goes_through_pickle():
    payload = serialize({"module": "__main__", "n": 3})
    assert payload.startswith(b"01\n")
    assert deserialize(payload) == {"module": "__main__", "n": 3}


def test_callables_are_serialized_once_and_cached():
    def closure_maker(n):
        return lambda x: x + n

    f = closure_maker(10)
    before = _dill_dumps_cached.cache_info().hits
    first, second = serialize(f), serialize(f)
    assert first == second and first.startswith(b"C2\n")
    assert _dill_dumps_cached.cache_info().hits == before + 1
    assert deserialize(first)(1) == 11


def test_the_code_serializer_exposes_its_cache_statistics():
    from parsl.serialize.facade import methods_for_code

    method = methods_for_code[b"C2"].serialize
    method.cache_clear()
    serialize(module_level)
    serialize(module_level)
    assert (method.cache_info().hits, method.cache_info().misses) == (1, 1)


def test_unhashable_callables_still_serialize():
    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self):
            return "called"

    assert deserialize(serialize(Unhashable()))() == "called"


def test_pack_and_unpack_apply_message():
    buf = pack_apply_message(module_level, (1,), {"k": [1, 2]})
    func, args, kwargs = unpack_apply_message(buf)
    assert func(*args) == 2 and kwargs == {"k": [1, 2]}
    assert unpack_and_deserialize(buf)[1] == (1,)


def test_buffers_with_newlines_and_empty_parts():
    parts = [b"a\nb", b"", b"\n\n\n", bytes(range(256))]
    assert unpack_buffers(pack_buffers(parts)) == parts


def test_an_unpicklable_argument_is_a_serialization_error_naming_the_function():
    with pytest.raises(SerializationError) as info:
        pack_apply_message(module_level, ((i for i in range(3)),), {})
    message = str(info.value)
    assert "module_level" in message and "positional arguments" in message
    assert info.value.fname == "module_level"


def test_bad_payloads():
    with pytest.raises(DeserializerPluginError):
        deserialize(b"no.such.module Serializer\nbody")
    with pytest.raises(DeserializationError):
        deserialize(b"no header at all")
    with pytest.raises(DeserializationError, match="3 buffers"):
        unpack_and_deserialize(pack_buffers([serialize(1)]))


def raise_with_cause():
    try:
        {}["missing"]
    except KeyError as e:
        raise RuntimeError("outer") from e


def test_remote_exception_wrapper_reraises_the_original_type_with_traceback():
    wrapped = wrap_error(raise_with_cause)()
    assert isinstance(wrapped, RemoteExceptionWrapper)
    shipped = deserialize(serialize(wrapped))
    with pytest.raises(RuntimeError, match="outer") as info:
        shipped.reraise()
    assert "raise_with_cause" in [entry.name for entry in info.traceback]
    assert isinstance(info.value.__cause__, KeyError)


class Unpicklable(Exception):
    def __init__(self):
        super().__init__("holds a lock")
        self.lock = threading.Lock()


def test_an_unpicklable_exception_is_replaced_by_a_description():
    def fails():
        raise Unpicklable()

    wrapped = pickle.loads(pickle.dumps(wrap_error(fails)()))
    with pytest.raises(UnpicklableRemoteException, match="Unpicklable: holds a lock"):
        wrapped.reraise()


def _run_packed(buf):
    func, args, kwargs = unpack_apply_message(buf)
    return deserialize(serialize(func(*args, **kwargs)))


@settings
class PicklingExecutor(ParslExecutor):
    """Like a remote executor: every task is packed to bytes and unpacked before running."""

    label: str = "pickling"

    def start(self):
        self.pool = cf.ThreadPoolExecutor(2)

    def submit(self, func, resource_specification, *args, **kwargs):
        return self.pool.submit(_run_packed, pack_apply_message(func, args, kwargs))

    def shutdown(self):
        self.pool.shutdown()


@python_app
def describe(x):
    return type(x).__name__


@python_app
def remote_failure():
    raise_with_cause()


def test_tasks_through_serialization(make_dfk):
    make_dfk(executors=[PicklingExecutor()])
    assert describe(3).result() == "int"
    assert describe(lambda: 1).result() == "function"
    with pytest.raises(RuntimeError, match="outer"):
        remote_failure().result()


def test_an_unpicklable_argument_fails_only_its_task(make_dfk):
    make_dfk(executors=[PicklingExecutor()])
    bad = describe(i for i in range(3))  # a generator: neither pickle nor dill can carry it
    good = describe("fine")
    with pytest.raises(SerializationError, match="could not be serialized"):
        bad.result(timeout=10)
    assert good.result(timeout=10) == "str"
