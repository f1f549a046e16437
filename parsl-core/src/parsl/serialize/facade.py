"""Serialize objects and task invocations to bytes, and back.

A payload is ``<identifier>\\n<body>``: the identifier names the serializer that made it, so the
receiver needs no other context. Data is tried with pickle first (fast), then dill; callables
go through a cached dill serializer, so a function called by many tasks is serialized once.

``pack_apply_message(func, args, kwargs)`` makes one buffer of a whole invocation and
``unpack_apply_message`` turns it back into ``[func, args, kwargs]``: what an executor that
ships tasks to workers sends over the wire. Each part is length-prefixed, no copying beyond one
``join``.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Dict, List

from parsl.serialize import concretes
from parsl.serialize.base import SerializerBase
from parsl.serialize.errors import DeserializationError, DeserializerPluginError, SerializationError

logger = logging.getLogger(__name__)

#: identifier -> serializer, tried in order for callables / for other data.
methods_for_code: Dict[bytes, SerializerBase] = {}
methods_for_data: Dict[bytes, SerializerBase] = {}
#: deserializers loaded by name from payload headers.
additional_methods_for_deserialization: Dict[bytes, SerializerBase] = {}


def register_method_for_code(s: SerializerBase) -> None:
    """Add a serializer for callables (tried after those already registered)."""
    methods_for_code[s.identifier] = s


def register_method_for_data(s: SerializerBase) -> None:
    """Add a serializer for data (tried after those already registered)."""
    methods_for_data[s.identifier] = s


register_method_for_code(concretes.DillCallableSerializer())
register_method_for_data(concretes.PickleSerializer())
register_method_for_data(concretes.DillSerializer())


def serialize(obj: Any, buffer_threshold: int = int(1e6)) -> bytes:
    """Serialize ``obj`` with the first registered method that can; raise ``SerializationError`` if none can."""
    methods = methods_for_code if callable(obj) else methods_for_data
    errors = []
    for method in methods.values():
        try:
            body = method.serialize(obj)
        except Exception as e:
            errors.append(e)
            continue
        if len(body) > buffer_threshold:
            logger.warning("Serialized object exceeds buffer threshold of %s bytes, this could cause overflows",
                           buffer_threshold)
        return method.identifier + b"\n" + body
    last = errors[-1] if errors else None
    name = getattr(obj, "__name__", type(obj).__name__)
    raise SerializationError(name, f"{type(last).__name__}: {last}") from last


def deserialize(payload: bytes) -> Any:
    """Rebuild an object from a payload made by ``serialize`` (or by a named plugin serializer)."""
    header, sep, body = payload.partition(b"\n")
    if not sep:
        raise DeserializationError(f"payload has no header line (starts {payload[:40]!r})")
    method = methods_for_code.get(header) or methods_for_data.get(header) or _load_deserializer(header)
    return method.deserialize(body)


def _load_deserializer(header: bytes) -> SerializerBase:
    method = additional_methods_for_deserialization.get(header)
    if method is None:
        try:
            module_name, class_name = header.decode().split(" ", 1)
            method = getattr(importlib.import_module(module_name), class_name)()
        except Exception as e:
            raise DeserializerPluginError(header) from e
        additional_methods_for_deserialization[header] = method
    return method


def pack_buffers(buffers: List[bytes]) -> bytes:
    """Concatenate byte strings, each prefixed with its decimal length and a newline."""
    parts = []
    for buf in buffers:
        parts.append(b"%d\n" % len(buf))
        parts.append(buf)
    return b"".join(parts)


def unpack_buffers(packed_buffer: bytes) -> List[bytes]:
    """Split what ``pack_buffers`` made back into its byte strings."""
    view = memoryview(packed_buffer)
    out = []
    pos = 0
    end = len(packed_buffer)
    while pos < end:
        newline = packed_buffer.index(b"\n", pos)
        length = int(packed_buffer[pos:newline])
        start = newline + 1
        out.append(bytes(view[start:start + length]))
        pos = start + length
    return out


def pack_apply_message(func: Any, args: Any, kwargs: Any, buffer_threshold: int = int(128 * 1e6)) -> bytes:
    """Serialize an invocation ``func(*args, **kwargs)`` into one buffer.

    Raises ``SerializationError`` naming the function and the part (function, arguments or
    keyword arguments) that could not be serialized.
    """
    name = getattr(func, "__name__", repr(func))
    buffers = []
    for what, obj in (("the function", func), ("its positional arguments", args), ("its keyword arguments", kwargs)):
        try:
            buffers.append(serialize(obj, buffer_threshold=buffer_threshold))
        except SerializationError as e:
            raise SerializationError(name, f"{what} could not be serialized ({e.reason})") from e.__cause__
    return pack_buffers(buffers)


def unpack_apply_message(packed_buffer: bytes) -> List[Any]:
    """Rebuild ``[func, args, kwargs]`` from ``pack_apply_message``'s buffer."""
    return [deserialize(buf) for buf in unpack_buffers(packed_buffer)]


def unpack_and_deserialize(packed_buffer: bytes) -> List[Any]:
    """Like ``unpack_apply_message``, checking that there are exactly three parts."""
    parts = unpack_apply_message(packed_buffer)
    if len(parts) != 3:
        raise DeserializationError(f"expected 3 buffers in an apply message, got {len(parts)}")
    return parts
