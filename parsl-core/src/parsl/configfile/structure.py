"""Turn the plain data of a TOML/YAML file into ``Config`` and plugin objects, with cattrs.

The shape of the data follows the classes: a table per settings object, whose keys are the
class's keywords; where a field's type is a plugin base class (an executor's ``provider``, a
provider's ``launcher``, ``monitoring``, ``storage_access`` entries), the table's ``type`` key
names the plugin (``type = "slurm"``), or the value is just the plugin name (``launcher = "srun"``).

Values are checked strictly (``"2"`` is not an int) and every problem is collected with the key
path where it is, so that one run of ``parsl config check`` shows them all.
"""

from __future__ import annotations

import difflib
import importlib
import typing
from typing import Any, Callable, Mapping

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, ClassValidationError, IterableValidationError, IterableValidationNote

from parsl.errors import ConfigurationError
from parsl.plugins.manager import KINDS, get_plugin_manager, import_object
from parsl.plugins.settings import describe, field_types


class ValueProblem(ValueError):
    """One thing wrong with one value of a config file; its message is shown as is."""


def plugin_bases() -> dict[type, str]:
    """The base class of each plugin kind, mapped to the kind."""
    return {import_object(base): kind for kind, (_, base) in KINDS.items()}


def _strict(tp: type, accept: tuple[type, ...], reject: tuple[type, ...] = ()) -> Callable[[Any, Any], Any]:
    def structure(value: Any, _: Any) -> Any:
        if isinstance(value, accept) and not isinstance(value, reject):
            return float(value) if tp is float else value  # type: ignore[arg-type]
        raise ValueProblem(f"expected {tp.__name__}, got {value!r}")

    return structure


def _structure_callable(value: Any, _: Any) -> Callable[..., Any]:
    """A callable is written as ``"package.module:function"``."""
    if callable(value):
        return value  # type: ignore[no-any-return]
    if not isinstance(value, str) or ":" not in value:
        raise ValueProblem(f"expected a callable written as 'package.module:function', got {value!r}")
    module, _, attr = value.partition(":")
    try:
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise ValueProblem(f"cannot import {value!r}: {e}") from None
    if not callable(obj):
        raise ValueProblem(f"{value!r} is not callable")
    return obj  # type: ignore[no-any-return]


def _structure_literal(value: Any, tp: Any) -> Any:
    allowed = typing.get_args(tp)
    if value in allowed and any(type(value) is type(a) for a in allowed):
        return value
    close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueProblem(f"expected one of {', '.join(repr(a) for a in allowed)}, got {value!r}{hint}")


def _add_note(exc: Exception, note: str) -> Exception:
    """``exc.add_note(note)``, which Python 3.10 lacks (cattrs reads ``__notes__`` either way)."""
    notes = getattr(exc, "__notes__", None)
    if notes is None:
        notes = []
        exc.__notes__ = notes  # type: ignore[attr-defined]
    notes.append(note)
    return exc


def _note(exc: Exception, name: str, tp: Any) -> Exception:
    return _add_note(exc, AttributeValidationNote(f"Structuring class field @ attribute {name!r}", name, tp))


def _construct(cls: type, kwargs: dict[str, Any]) -> Any:
    try:
        return cls(**kwargs)
    except Exception as e:  # a plugin's own validation; the path is added by the caller
        detail = str(e) if isinstance(e, ConfigurationError) else f"{type(e).__name__}: {e}"
        raise ValueProblem(f"invalid {cls.__name__} settings: {detail}") from None


def _settings_fields(cls: type) -> dict[str, attrs.Attribute]:
    return {f.alias or f.name: f for f in attrs.fields(cls) if f.init}


class ConfigConverter:
    """A cattrs converter that knows settings classes and plugins named by string."""

    def __init__(self, field_overrides: Mapping[tuple[type, str], Callable[[], Any]] | None = None):
        """``field_overrides`` maps (class, field) to a function returning the type to structure
        that field as, for fields whose annotation is too loose (``Any``); called only when the
        field is present, so the type's module is imported only then."""
        self.field_overrides = dict(field_overrides or {})
        self.bases = plugin_bases()
        c = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
        c.register_structure_hook(bool, _strict(bool, (bool,)))
        c.register_structure_hook(int, _strict(int, (int,), (bool,)))
        c.register_structure_hook(float, _strict(float, (int, float), (bool,)))
        c.register_structure_hook(str, _strict(str, (str,)))
        c.register_structure_hook_func(_is_callable_type, _structure_callable)
        c.register_structure_hook_func(_is_literal_type, _structure_literal)
        c.register_structure_hook_func(_is_union_type, self._structure_union)
        c.register_structure_hook_func(_is_sequence_type, self._structure_sequence)
        c.register_structure_hook_func(lambda t: t in self.bases, self._structure_plugin)
        c.register_structure_hook_func(
            lambda t: isinstance(t, type) and attrs.has(t) and t not in self.bases, self.structure_settings)
        c.register_structure_hook_func(lambda t: t is typing.Any, lambda v, _: v)
        self.converter = c

    def structure(self, data: Any, tp: Any) -> Any:
        return self.converter.structure(data, tp)

    def _structure_union(self, data: Any, tp: Any) -> Any:
        """``X | None`` structures as X; other unions take the first member that fits."""
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        if data is None and len(members) < len(typing.get_args(tp)):
            return None
        if len(members) == 1:
            return self.structure(data, members[0])
        for member in members:
            try:
                return self.structure(data, member)
            except Exception:
                continue
        raise ValueProblem(f"expected {describe(tp)}, got {data!r}")

    def _structure_sequence(self, data: Any, tp: Any) -> Any:
        """Lists and tuples: a string or a table is never silently taken for a list."""
        if not isinstance(data, (list, tuple)):
            raise ValueProblem(f"expected a list ({describe(tp)}), got {data!r}")
        args = typing.get_args(tp)
        fixed = typing.get_origin(tp) is tuple and args and not (len(args) == 2 and args[1] is Ellipsis)
        if fixed and len(args) != len(data):
            raise ValueProblem(f"expected {len(args)} items ({describe(tp)}), got {data!r}")
        items, errors = [], []
        for i, item in enumerate(data):
            item_type = (args[i] if fixed else args[0]) if args else typing.Any
            try:
                items.append(self.structure(item, item_type))
            except Exception as e:
                _add_note(e, IterableValidationNote(f"Structuring {describe(tp)} @ index {i}", i, item_type))
                errors.append(e)
        if errors:
            raise IterableValidationError(f"invalid {describe(tp)}", errors, tp)
        return tuple(items) if typing.get_origin(tp) is tuple else items

    def _structure_plugin(self, data: Any, base: type) -> Any:
        kind = self.bases[base]
        if isinstance(data, str):
            data = {"type": data}
        if not isinstance(data, Mapping):
            raise ValueProblem(f"expected a {kind} given by name or as a table with a 'type' key, got {data!r}")
        name = data.get("type")
        if not isinstance(name, str):
            problem = ValueProblem(f"missing 'type': the name of the {kind} plugin to use "
                                   f"(one of {', '.join(get_plugin_manager().names(kind))})")
            raise ClassValidationError(f"invalid {kind}", [_note(problem, "type", str)], base)
        try:
            cls = get_plugin_manager().get(kind, name)
        except ConfigurationError as e:
            raise ClassValidationError(f"invalid {kind}", [_note(ValueProblem(str(e)), "type", str)], base) from None
        rest = {k: v for k, v in data.items() if k != "type"}
        if attrs.has(cls):
            return self.structure_settings(rest, cls)
        return _construct(cls, rest)  # a plugin class that is not a settings class: passed as is

    def structure_settings(self, data: Any, cls: type) -> Any:
        """Build a settings class from a mapping of its keywords, collecting every problem."""
        if not isinstance(data, Mapping):
            raise ValueProblem(f"expected a table of {cls.__name__} settings, got {data!r}")
        fields = _settings_fields(cls)
        types = field_types(cls)
        errors: list[Exception] = []
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            field = fields.get(key) if isinstance(key, str) else None
            if field is None:
                close = difflib.get_close_matches(str(key), list(fields), n=3, cutoff=0.6)
                hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
                errors.append(_note(ValueProblem(f"unknown key for {cls.__name__}{hint}"), str(key), None))
                continue
            override = self.field_overrides.get((cls, field.name))
            tp = override() if override else types.get(field.name, typing.Any)
            try:
                kwargs[key] = self.structure(value, tp)
            except Exception as e:
                errors.append(_note(e, key, tp))
        for key, field in fields.items():
            if field.default is attrs.NOTHING and key not in data:
                tp = types.get(field.name, typing.Any)
                errors.append(_note(ValueProblem(f"missing required value ({describe(tp)})"), key, tp))
        if errors:
            raise ClassValidationError(f"invalid {cls.__name__}", errors, cls)
        return _construct(cls, kwargs)


def _is_union_type(tp: Any) -> bool:
    import types

    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _is_sequence_type(tp: Any) -> bool:
    import collections.abc

    origin = typing.get_origin(tp) or tp
    return origin in (list, tuple, collections.abc.Sequence, collections.abc.MutableSequence)


def _is_literal_type(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Literal


def _is_callable_type(tp: Any) -> bool:
    import collections.abc

    return tp is typing.Callable or typing.get_origin(tp) is collections.abc.Callable
