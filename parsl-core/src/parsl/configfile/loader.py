"""Read a TOML or YAML config file into a ``Config``."""

from __future__ import annotations

import os
import sys
import typing
from pathlib import Path
from typing import Any, Mapping

from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.v import format_exception, transform_error

from parsl.config import Config
from parsl.configfile.structure import ConfigConverter, ValueProblem
from parsl.errors import ConfigurationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml"}


class ConfigFileError(ConfigurationError):
    """A config file cannot be read or describes an invalid configuration.

    ``problems`` lists each problem as ``"key.path: what is wrong"``.
    """

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"invalid config {source}:\n" + "\n".join(f"  {p}" for p in problems))


class DependencyResolverName(str):
    """A dependency resolver in a config file: ``"shallow"`` or ``"deep"``."""


def file_format(path: str | os.PathLike[str]) -> str:
    """``toml`` or ``yaml``, from the file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ConfigFileError(str(path), [f"unknown config file type {suffix or '(none)'!r}: "
                                          f"use .toml, .yaml or .yml"])
    return FORMATS[suffix]


def parse_text(text: str, fmt: str, source: str = "<string>") -> Any:
    """Parse TOML or YAML text into plain data, turning syntax errors into ConfigFileError."""
    if fmt == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigFileError(source, [f"TOML syntax error: {e}"]) from None
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigFileError(source, [f"YAML syntax error: {e}"]) from None
    return {} if data is None else data


def load_config_file(path: str | os.PathLike[str]) -> Config:
    """Build a ``Config`` from a TOML or YAML file."""
    fmt = file_format(path)
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise ConfigFileError(str(path), [f"cannot read the file: {e.strerror or e}"]) from None
    return config_from_data(parse_text(text, fmt, str(path)), str(path))


def config_from_data(data: Any, source: str = "<data>") -> Config:
    """Build a ``Config`` from plain data (nested dicts and lists, as TOML and YAML give)."""
    if not isinstance(data, Mapping):
        raise ConfigFileError(source, [f"the top level must be a table of Config settings, got {data!r}"])
    if "site" in data:
        from parsl.sites import expand_site

        try:
            data = expand_site(data)
        except ConfigurationError as e:
            raise ConfigFileError(source, [f"site: {e}"]) from None
    converter = _converter()
    try:
        config = converter.structure(data, Config)
    except (ClassValidationError, IterableValidationError) as e:
        raise ConfigFileError(source, _problems(e)) from None
    except (ValueProblem, ConfigurationError) as e:
        raise ConfigFileError(source, [str(e)]) from None
    return config  # type: ignore[no-any-return]


def _memoizer_type() -> Any:
    from parsl.dataflow.memoization import BasicMemoizer

    return typing.Optional[BasicMemoizer]


def _converter() -> ConfigConverter:
    conv = ConfigConverter({(Config, "memoizer"): _memoizer_type,
                            (Config, "dependency_resolver"): lambda: typing.Optional[DependencyResolverName]})
    conv.converter.register_structure_hook(DependencyResolverName, _structure_resolver)
    return conv


def _structure_resolver(value: Any, _: Any) -> Any:
    from parsl.dataflow import dependency_resolvers as dr

    resolvers = {"shallow": dr.SHALLOW_DEPENDENCY_RESOLVER, "deep": dr.DEEP_DEPENDENCY_RESOLVER}
    if value not in resolvers:
        raise ValueProblem(f"expected 'shallow' or 'deep', got {value!r}")
    return resolvers[value]


def _describe_exception(exc: BaseException, tp: Any) -> str:
    if isinstance(exc, (ValueProblem, ConfigurationError)):
        return str(exc)
    return format_exception(exc, tp)


def _problems(exc: BaseException) -> list[str]:
    problems = []
    for line in transform_error(exc, path="$", format_exception=_describe_exception):
        message, _, path = line.rpartition(" @ ")
        path = path.removeprefix("$").removeprefix(".")
        problems.append(f"{path}: {message}" if path else message)
    return problems
