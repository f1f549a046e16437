"""Write a ``Config`` back out as TOML or YAML (``parsl config show``).

Only settings that differ from their defaults are written, so the output reads like a config a
person would write, and loading it gives an equal configuration back, except for secrets: a
field whose attrs metadata has ``redact`` (a function) is written through it, so the password
of a database URL is shown as ``***``.
"""

from __future__ import annotations

import enum
import os
from typing import Any

import attrs

from parsl.config import Config
from parsl.errors import ConfigurationError
from parsl.plugins.manager import get_plugin_manager


class NotRepresentable(ConfigurationError):
    """A value of the configuration has no config-file form (a lambda, an open file...)."""


def config_to_data(config: Config) -> dict[str, Any]:
    """The plain data (dicts, lists, scalars) that ``config_from_data`` turns back into ``config``."""
    return _settings_to_data(config, path="")


def dumps(config: Config, fmt: str) -> str:
    """``config`` as TOML or YAML text."""
    data = config_to_data(config)
    if fmt == "toml":
        return _toml_tables(data, [])
    import yaml

    return str(yaml.safe_dump(data, sort_keys=False))


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _toml_tables(data: dict[str, Any], path: list[str]) -> str:
    """TOML with a ``[table]`` / ``[[array.of.tables]]`` header per settings object, as people write it.

    tomli-w writes plain values; it would write nested tables inline, on one long line.
    """
    import tomli_w

    plain = {k: v for k, v in data.items() if not isinstance(v, dict) and not _is_table_array(v)}
    out = tomli_w.dumps(plain) if plain else ""
    for key, value in data.items():
        key_path = [*path, tomli_w.dumps({key: 0}).split("=")[0].strip()]
        if isinstance(value, dict):
            out += f"\n[{'.'.join(key_path)}]\n" + _toml_tables(value, key_path)
        elif _is_table_array(value):
            for item in value:
                out += f"\n[[{'.'.join(key_path)}]]\n" + _toml_tables(item, key_path)
    return out


def _settings_to_data(obj: Any, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    reg = get_plugin_manager().registration_for(type(obj))
    if reg is not None:
        out["type"] = reg.name
    for field in attrs.fields(type(obj)):
        if not field.init or field.metadata.get("legacy"):
            continue
        key = field.alias or field.name
        raw = getattr(obj, field.name)
        redact = field.metadata.get("redact")
        if redact is not None and raw is not None:
            raw = redact(raw)  # a secret (a password in a URL) is never printed
        if field.default is not attrs.NOTHING:
            default = field.default.factory() if isinstance(field.default, attrs.Factory) else field.default  # type: ignore[arg-type]
            if _stateless_like(raw, default):
                continue
            value = _to_data(raw, f"{path}.{key}" if path else key)
            if value == _to_data(default, path):
                continue
        else:
            value = _to_data(raw, f"{path}.{key}" if path else key)
        if value is None:
            raise NotRepresentable(f"{path + '.' if path else ''}{key}: None differs from the default "
                                   f"and cannot be written to a config file")
        out[key] = value
    return out


def _stateless_like(value: Any, default: Any) -> bool:
    """A plain object of the default's class with the same (usually no) state, such as a strategy
    object (``RandomManagerSelector()``): equal to the default, so it needs no file form."""
    return (type(value) is type(default) and not attrs.has(type(value))
            and hasattr(value, "__dict__") and vars(value) == vars(default))


def _to_data(value: Any, path: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_to_data(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {str(k): _to_data(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if attrs.has(type(value)):
        return _settings_to_data(value, path)
    if callable(value):
        qualname = getattr(value, "__qualname__", "")
        module = getattr(value, "__module__", None)
        if module and qualname and "<" not in qualname and module != "__main__":
            return f"{module}:{qualname}"
        raise NotRepresentable(f"{path}: {value!r} cannot be written to a config file "
                               f"(only importable module-level functions can)")
    resolver_name = _resolver_name(value)
    if resolver_name is not None:
        return resolver_name
    raise NotRepresentable(f"{path}: {value!r} ({type(value).__name__}) cannot be written to a config file")


def _resolver_name(value: Any) -> str | None:
    from parsl.dataflow import dependency_resolvers as dr

    for name, resolver in (("shallow", dr.SHALLOW_DEPENDENCY_RESOLVER), ("deep", dr.DEEP_DEPENDENCY_RESOLVER)):
        if value is resolver:
            return name
    return None
