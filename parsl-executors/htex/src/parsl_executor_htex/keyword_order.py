"""Keyword order for a settings class that extends another: Parsl's MPIExecutor signature.

attrs puts a subclass's fields after all inherited ones, and an overridden field where the
subclass declares it. Parsl's MPIExecutor takes the HighThroughputExecutor's keywords with its
own inserted among them, so ``settings(field_transformer=in_base_order)`` keeps every keyword
at its place in the base class and puts a field declared with ``after("name", ...)`` right
behind that keyword.
"""

from __future__ import annotations

from typing import Any

import attrs

from parsl.plugins.settings import _add_type_checks


def after(anchor: str, **field_kwargs: Any) -> Any:
    """An ``attrs.field`` placed right behind keyword ``anchor`` (see ``in_base_order``)."""
    return attrs.field(metadata={"after": anchor}, **field_kwargs)


def in_base_order(cls: type, fields: list[attrs.Attribute]) -> list[attrs.Attribute]:
    """The fields of ``cls`` in its base's order (``after`` fields behind their anchor), type-checked
    as ``@settings`` checks them: a class takes one ``field_transformer``, so this one does both."""
    base = next(b for b in cls.__mro__[1:] if attrs.has(b))
    position = {f.name: i for i, f in enumerate(attrs.fields(base))}
    placed = sorted((f for f in fields if "after" not in f.metadata),
                    key=lambda f: position.get(f.name, len(position)))
    for field in fields:
        if "after" in field.metadata:
            names = [f.name for f in placed]
            if field.metadata["after"] not in names:
                raise TypeError(f"{cls.__name__}.{field.name}: after={field.metadata['after']!r} is not a field")
            placed.insert(names.index(field.metadata["after"]) + 1, field)
    own = vars(cls).get("__annotations__", {})
    checked = {f.name: f for f in _add_type_checks(cls, [f for f in placed if f.name in own])}
    return [checked.get(f.name, f) for f in placed]
