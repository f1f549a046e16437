"""The serialization facade: ``serialize``/``deserialize`` and the task-invocation packers.

See ``parsl.serialize.facade`` for the format and its guarantees.
"""

from parsl.serialize.facade import deserialize, pack_apply_message, serialize, unpack_apply_message

__all__ = ("deserialize", "pack_apply_message", "serialize", "unpack_apply_message")
