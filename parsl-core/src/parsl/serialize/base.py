"""``SerializerBase``: one way of turning objects into bytes, named by a header identifier."""

from __future__ import annotations

from abc import abstractmethod
from functools import cached_property
from typing import Any


class SerializerBase:
    """A serializer; its ``identifier`` starts every payload it produces.

    The default identifier is ``b"<module> <class>"``, so that a receiver that does not know
    the serializer can import it by name to deserialize.
    """

    @cached_property
    def identifier(self) -> bytes:
        t = type(self)
        return f"{t.__module__} {t.__name__}".encode()

    @abstractmethod
    def serialize(self, data: Any) -> bytes:
        """Return the bytes of ``data`` (without the header)."""

    @abstractmethod
    def deserialize(self, body: bytes) -> Any:
        """Rebuild the object from bytes made by ``serialize``."""
