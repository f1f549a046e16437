"""Errors of the serialization facade.

Hierarchy::

    ParslError
    ├── SerializationError        (an object of a task could not be serialized)
    ├── DeserializationError      (a payload could not be turned back into objects)
    └── DeserializerPluginError   (a payload names a deserializer that cannot be loaded)
"""

from __future__ import annotations

from typing import Optional

from parsl.errors import ParslError

TROUBLESHOOTING = "https://parsl.readthedocs.io/en/latest/faq.html#addressing-serializationerror"


class SerializationError(ParslError):
    """Objects of an invocation of function ``fname`` could not be serialized; ``reason`` says which."""

    def __init__(self, fname: str, reason: Optional[str] = None) -> None:
        super().__init__(fname, reason)
        self.fname = fname
        self.reason = reason
        self.troubleshooting = TROUBLESHOOTING

    def __str__(self) -> str:
        because = f": {self.reason}" if self.reason else ""
        return (f"Failed to serialize objects for an invocation of function {self.fname}{because}. "
                f"Refer {self.troubleshooting}")


class DeserializationError(ParslError):
    """Results or exceptions from a worker could not be deserialized."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"Failed to deserialize objects. Reason: {self.reason}"


class DeserializerPluginError(ParslError):
    """A payload's header names a deserializer class that could not be loaded."""

    def __init__(self, header: bytes) -> None:
        super().__init__(header)
        self.header = header

    def __str__(self) -> str:
        return f"Failed to load deserializer plugin for header {self.header!r}"
