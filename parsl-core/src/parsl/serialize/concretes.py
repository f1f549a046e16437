"""The built-in serializers: pickle for plain data, dill for everything else.

``PickleSerializer`` refuses (so that dill takes over) any object graph that contains a function
or class pickle could only save by a reference a worker may not be able to import: things
defined in ``__main__`` (a script or notebook), lambdas and local functions.
"""

from __future__ import annotations

import functools
import io
import pickle
import types
from typing import Any

from parsl.serialize.base import SerializerBase


class _NeedsValue(Exception):
    """Raised while pickling when an object must be sent by value (dill), not by reference."""


class _ReferenceCheckingPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, (types.FunctionType, type)):
            qualname = getattr(obj, "__qualname__", "")
            if getattr(obj, "__module__", None) == "__main__" or "<" in qualname:
                raise _NeedsValue(qualname)
        return NotImplemented


class PickleSerializer(SerializerBase):
    """pickle: fast, for data whose code can be imported by name wherever it is loaded."""

    identifier = b"01"

    def serialize(self, data: Any) -> bytes:
        body = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        if body.find(b"__main__") < 0:  # (``find`` costs half of ``in`` here)
            # nothing was saved by a reference into ``__main__`` (its name would be in the stream),
            # and lambdas and local functions fail in plain pickle too: no need for the checking
            # pickler, whose Python-level hook per object costs several times the pickling itself
            return body
        buf = io.BytesIO()
        _ReferenceCheckingPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(data)
        return buf.getvalue()

    def deserialize(self, body: bytes) -> Any:
        return pickle.loads(body)


class DillSerializer(SerializerBase):
    """dill: functions, closures and classes by value, for what pickle cannot carry."""

    identifier = b"02"

    def serialize(self, data: Any) -> bytes:
        import dill

        return dill.dumps(data)  # type: ignore[no-any-return]

    def deserialize(self, body: bytes) -> Any:
        import dill

        return dill.loads(body)


@functools.lru_cache(maxsize=256)
def _dill_dumps_cached(func: Any) -> bytes:
    import dill

    return dill.dumps(func)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=256)
def _dill_loads_cached(body: bytes) -> Any:
    import dill

    return dill.loads(body)


class DillCallableSerializer(SerializerBase):
    """dill for callables, cached: a function is serialized once, however many tasks call it.

    Callables are taken to be immutable; a callable that cannot be hashed is serialized anew.
    """

    identifier = b"C2"

    def serialize(self, data: Any) -> bytes:
        try:
            return _dill_dumps_cached(data)
        except TypeError as e:
            if "unhashable" not in str(e):
                raise
            import dill

            return dill.dumps(data)  # type: ignore[no-any-return]

    # the cache statistics, as on Parsl's lru_cache-decorated method
    serialize.cache_info = _dill_dumps_cached.cache_info  # type: ignore[attr-defined]
    serialize.cache_clear = _dill_dumps_cached.cache_clear  # type: ignore[attr-defined]

    def deserialize(self, body: bytes) -> Any:
        return _dill_loads_cached(body)
