"""What a configuration reports at usage-tracking level 2: the classes it is made of.

``get_parsl_usage(obj)`` walks a settings object (``Config``, executors, providers, launchers...)
and lists each component's qualified class name, or, for a ``UsageInformation`` component, a
``{"c": name, ...}`` object with what it chooses to add. Only classes and counts are reported:
never a value a user typed (paths, hostnames, project names of a scheduler).
"""

from __future__ import annotations

import abc
from functools import singledispatch
from typing import Any, Sequence

import attrs


class UsageInformation(abc.ABC):
    """A component that adds its own anonymous details to its level-2 report."""

    @abc.abstractmethod
    def get_usage_information(self) -> dict[str, Any]:
        """Return JSON-able details (counts, flags; nothing identifying)."""


@singledispatch
def get_parsl_usage(obj: Any) -> list[Any]:
    """The usage report of ``obj``: components of settings classes, in field order."""
    if not attrs.has(type(obj)):
        return []
    cls = type(obj)
    name = f"{cls.__module__}.{cls.__qualname__}"
    me: list[Any] = [{"c": name, **obj.get_usage_information()} if isinstance(obj, UsageInformation) else name]
    for field in attrs.fields(cls):
        if field.init:
            me += get_parsl_usage(getattr(obj, field.name, None))
    return me


@get_parsl_usage.register(list)
@get_parsl_usage.register(tuple)
def _get_parsl_usage_sequence(obj: Sequence[Any]) -> list[Any]:
    return [item for value in obj for item in get_parsl_usage(value)]
