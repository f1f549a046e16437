"""``@settings``: how Config and every plugin class declare their keyword arguments.

A settings class is an attrs class whose fields are its constructor's keywords, in Parsl's order.
Each field's type annotation is checked when an instance is built, so a bad value fails at
construction with the class and field in the message (as Parsl's typeguard checks do), and the
config-file loader can structure and dump the class with cattrs.

Settings classes are not slotted (executors and providers keep runtime state in ordinary
attributes) and compare by identity (executors are used as dictionary keys). Fields are converted
and checked again on assignment (Parsl's conftest and user code set ``executor.working_dir``
after construction). A field that holds a filesystem path takes ``converter=fspath`` and so
accepts any ``os.PathLike`` too, stored as ``str``::

    @settings
    class SlurmProvider(ClusterProvider):
        partition: str | None = None
        nodes_per_block: int = 1

attrs puts a subclass's new fields after every inherited one. A subclass whose signature inserts
its own keywords among its base's (Parsl's MPIExecutor among the HighThroughputExecutor's)
declares them with ``after("keyword", ...)``: then every keyword keeps its place in the base
class and each ``after`` field sits right behind its anchor.
"""

from __future__ import annotations

import collections.abc
import os
import sys
import types
import typing
from typing import Any, Callable, TypeVar

import attrs
from typing_extensions import dataclass_transform

from parsl.errors import ConfigurationError

C = TypeVar("C", bound=type)


class TypeCheckError(ConfigurationError, TypeError):
    """A keyword argument of a settings class has a value of the wrong type.

    Named like the ``typeguard`` error Parsl raises for the same mistake, so code and tests that
    look for that name keep working; it is also a ``TypeError`` and a ``ConfigurationError``.
    """


#: The name this error had first; kept so existing ``except SettingTypeError`` keeps working.
SettingTypeError = TypeCheckError


class SettingValueError(ConfigurationError, ValueError):
    """A keyword argument has a value of the right type that the class does not accept.

    A ``ValueError`` too, as Parsl raises for such values (an unknown ``mpi_launcher``).
    """


def fspath(value: Any) -> Any:
    """A path-like value as ``str`` (``os.fspath``); anything else unchanged, for the type check.

    Paths are stored as ``str`` so that the config-file dump, string formatting into job
    scripts and command lines, and comparisons see one type whatever the user passed.
    """
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def fspaths(value: Any) -> Any:
    """``fspath`` over each item of a list or tuple of paths (``checkpoint_files``)."""
    return [fspath(v) for v in value] if isinstance(value, (list, tuple)) else value


@dataclass_transform(field_specifiers=(attrs.field, attrs.Factory))
def settings(cls: C | None = None, **attrs_kwargs: Any) -> Any:
    """Make ``cls`` a settings class: an attrs class whose fields are type-checked at construction."""

    def wrap(c: C) -> C:
        options: dict[str, Any] = {"slots": False, "eq": False, "field_transformer": _order_and_check}
        options.update(attrs_kwargs)
        return attrs.define(c, **options)

    return wrap if cls is None else wrap(cls)


def after(anchor: str, **field_kwargs: Any) -> Any:
    """An ``attrs.field`` placed right behind the inherited keyword ``anchor``."""
    return attrs.field(metadata={"after": anchor}, **field_kwargs)


def _order_and_check(cls: type, fields: list[attrs.Attribute]) -> list[attrs.Attribute]:
    """The field transformer of ``@settings``: ``after`` placement, then the type checks."""
    if any("after" in f.metadata for f in fields):
        fields = _in_base_order(cls, fields)
    return _add_type_checks(cls, fields)


def _in_base_order(cls: type, fields: list[attrs.Attribute]) -> list[attrs.Attribute]:
    """Fields in the order of ``cls``'s nearest attrs base, each ``after`` field behind its anchor."""
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
    return placed


def _add_type_checks(cls: type, fields: list[attrs.Attribute]) -> list[attrs.Attribute]:
    """Add each field's type check; keyword-only fields go last, as in the constructor's signature.

    So a base class's keyword-only fields (``DownloadStaging.cache_size``) follow a subclass's own
    in the repr and in dumped config files too. Inherited fields keep the check their class gave them.
    """
    own = vars(cls).get("__annotations__", {})
    fields = sorted(fields, key=lambda f: f.kw_only)
    out = []
    for f in fields:
        if f.name not in own or f.type is None or f.metadata.get("typecheck") is False:
            out.append(f)
            continue
        check = _TypeCheck(f.name)
        validator = check if f.validator is None else attrs.validators.and_(check, f.validator)
        out.append(f.evolve(validator=validator))
    return out


_hints_cache: dict[type, dict[str, Any]] = {}


def field_types(cls: type) -> dict[str, Any]:
    """The resolved type of each field of a settings class; unresolvable ones map to ``Any``."""
    hints = _hints_cache.get(cls)
    if hints is None:
        hints = {}
        for klass in reversed(cls.__mro__):
            module = sys.modules.get(klass.__module__)
            globalns = vars(module) if module else {}
            for name, ann in getattr(klass, "__annotations__", {}).items():
                try:
                    hints[name] = typing._eval_type(  # type: ignore[attr-defined]
                        typing.ForwardRef(ann) if isinstance(ann, str) else ann, globalns, dict(vars(klass)))
                except Exception:
                    hints[name] = Any
        _hints_cache[cls] = hints
    return hints


@attrs.frozen
class _TypeCheck:
    name: str

    def __call__(self, inst: Any, attribute: attrs.Attribute, value: Any) -> None:
        tp = field_types(type(inst)).get(self.name, Any)
        if not matches(value, tp):
            raise TypeCheckError(
                f"{type(inst).__name__}.{self.name}: expected {describe(tp)}, got {value!r}")


def matches(value: Any, tp: Any) -> bool:
    """Whether ``value`` is of type ``tp``; types this checker does not know always match."""
    if tp is Any or tp is object or isinstance(tp, (TypeVar, typing.ForwardRef, str)):
        return True
    if tp is None or tp is type(None):
        return value is None
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union or (sys.version_info >= (3, 10) and origin is types.UnionType):
        return any(matches(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if tp is Callable or origin is collections.abc.Callable:
        return callable(value)
    if origin is type:
        return isinstance(value, type) and (not args or not isinstance(args[0], type) or issubclass(value, args[0]))
    if origin in (list, collections.abc.Sequence, collections.abc.Iterable, collections.abc.MutableSequence):
        if isinstance(value, (str, bytes)) or not isinstance(value, origin):
            return False
        if origin is collections.abc.Iterable:
            return True
        return not args or all(matches(v, args[0]) for v in value)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(matches(v, args[0]) for v in value)
        return not args or (len(args) == len(value) and all(matches(v, a) for v, a in zip(value, args)))
    if origin in (dict, collections.abc.Mapping):
        if not isinstance(value, origin):
            return False
        return not args or all(matches(k, args[0]) and matches(v, args[1]) for k, v in value.items())
    if origin is not None:
        return isinstance(value, origin)
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True


def describe(tp: Any) -> str:
    """A short, readable name for a type annotation (``int``, ``str | None``, ``list[File]``)."""
    if tp is type(None) or tp is None:
        return "None"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union or (sys.version_info >= (3, 10) and origin is types.UnionType):
        return " | ".join(describe(a) for a in args)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join('...' if a is Ellipsis else describe(a) for a in args)}]" if args else name
    return getattr(tp, "__name__", str(tp))
