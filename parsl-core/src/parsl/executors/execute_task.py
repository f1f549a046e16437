"""Parsl's ``parsl.executors.execute_task``: run one task from its ``pack_apply_message`` buffer.

What a worker of any executor does with a task it received: rebuild the call and make it.
"""

from __future__ import annotations

from typing import Any

from parsl.serialize import unpack_apply_message


def execute_task(bufs: bytes) -> Any:
    """Deserialize ``func, args, kwargs`` from ``bufs`` and return ``func(*args, **kwargs)``."""
    func, args, kwargs = unpack_apply_message(bufs)
    return func(*args, **kwargs)
