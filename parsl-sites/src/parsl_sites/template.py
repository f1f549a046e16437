"""Site template files: TOML holding ``[site]`` facts, declared ``[parameters]`` and a ``[config]``.

The ``[config]`` table is an ordinary config file body in which strings may hold ``{{ name }}``
placeholders. A string that is exactly one placeholder becomes the parameter's value with its type
(an int stays an int; an unset optional parameter removes the key); a placeholder inside a longer
string is replaced by the value's text. ``{{`` never clashes with shell syntax in ``worker_init``.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Mapping

import attrs
import tomllib

from parsl.errors import ConfigurationError

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
TYPES: Mapping[str, type | tuple[type, ...]] = {"str": str, "int": int, "float": (int, float), "bool": bool}
_SITE_KEYS = {"title", "description", "docs", "login_host", "scheduler", "launcher", "staging"}


class SiteError(ConfigurationError):
    """A site template is invalid, or a site was given bad parameters."""


@attrs.frozen
class Parameter:
    """One declared parameter of a site template."""

    name: str
    type: str
    description: str
    required: bool = False
    default: Any = None

    def check(self, site: str, value: Any) -> Any:
        """Return ``value`` if it has this parameter's type, else raise naming the parameter."""
        expected = TYPES[self.type]
        if (isinstance(value, bool) and self.type != "bool") or not isinstance(value, expected):
            raise SiteError(f"site {site!r}: parameter {self.name!r}: expected {self.type}, got {value!r}")
        return value

    def parse(self, site: str, text: str) -> Any:
        """Turn command-line text (``--set nodes=2``) into a value of this parameter's type."""
        try:
            if self.type == "int":
                return int(text)
            if self.type == "float":
                return float(text)
        except ValueError:
            raise SiteError(f"site {site!r}: parameter {self.name!r}: expected {self.type}, got {text!r}") from None
        if self.type == "bool":
            if text.lower() not in ("true", "false"):
                raise SiteError(f"site {site!r}: parameter {self.name!r}: expected true or false, got {text!r}")
            return text.lower() == "true"
        return text


@attrs.frozen
class SiteTemplate:
    """A parsed, checked site template."""

    name: str
    title: str
    description: str
    docs: str
    login_host: str
    scheduler: str
    launcher: str
    staging: tuple[str, ...]
    parameters: Mapping[str, Parameter]
    config: Mapping[str, Any]

    def values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every parameter's value: ``given`` checked against the declarations, defaults filled in."""
        unknown = sorted(set(given) - set(self.parameters))
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(self.parameters), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; parameters: {', '.join(self.parameters)}"
            raise SiteError(f"site {self.name!r}: unknown parameter {unknown[0]!r}{hint}")
        values = {}
        for name, param in self.parameters.items():
            if name in given:
                values[name] = param.check(self.name, given[name])
            elif param.required:
                raise SiteError(f"site {self.name!r}: missing required parameter {name!r} ({param.description})")
            else:
                values[name] = param.default
        return values

    def render(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The config-file data for the parameter values ``given``."""
        rendered = _fill(self.config, self.values(given))
        assert isinstance(rendered, dict)
        return rendered


_DROP = object()


def _fill(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole:
            result = values[whole.group(1)]
            return _DROP if result is None else result
        return PLACEHOLDER.sub(lambda m: "" if values[m.group(1)] is None else str(values[m.group(1)]), value)
    if isinstance(value, Mapping):
        filled = {k: _fill(v, values) for k, v in value.items()}
        return {k: v for k, v in filled.items() if v is not _DROP}
    if isinstance(value, list):
        return [v for v in (_fill(v, values) for v in value) if v is not _DROP]
    return value


def parse_template(text: str, name: str, source: str) -> SiteTemplate:
    """Parse and check a template's TOML text; every problem is a ``SiteError`` naming ``source``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SiteError(f"site template {source}: TOML syntax error: {e}") from None
    problems: list[str] = []
    site = data.get("site", {})
    for key in sorted(set(data) - {"site", "parameters", "config"}):
        problems.append(f"unknown top-level table {key!r} (expected site, parameters, config)")
    for key in sorted(set(site) - _SITE_KEYS):
        problems.append(f"site.{key}: unknown key")
    for key in ("title", "login_host", "scheduler", "launcher"):
        if not isinstance(site.get(key), str):
            problems.append(f"site.{key}: required string")
    parameters = {}
    for pname, decl in data.get("parameters", {}).items():
        param = _parameter(pname, decl, problems)
        if param is not None:
            parameters[pname] = param
    config = data.get("config")
    if not isinstance(config, dict):
        problems.append("config: required table (the config file body)")
        config = {}
    for used in sorted(set(_placeholders(config)) - set(parameters)):
        problems.append(f"config: placeholder {{{{{used}}}}} names no declared parameter")
    if problems:
        raise SiteError(f"invalid site template {source}:\n" + "\n".join(f"  {p}" for p in problems))
    return SiteTemplate(name=name, title=site["title"], description=site.get("description", ""),
                        docs=site.get("docs", ""), login_host=site["login_host"], scheduler=site["scheduler"],
                        launcher=site["launcher"], staging=tuple(site.get("staging", ())),
                        parameters=parameters, config=config)


def _parameter(name: str, decl: Any, problems: list[str]) -> Parameter | None:
    where = f"parameters.{name}"
    if not isinstance(decl, dict):
        problems.append(f"{where}: expected a table with type and description")
        return None
    extra = sorted(set(decl) - {"type", "description", "required", "default"})
    if extra:
        problems.append(f"{where}.{extra[0]}: unknown key")
    ptype, required = decl.get("type"), decl.get("required", False)
    if not isinstance(required, bool):
        problems.append(f"{where}.required: expected true or false, got {required!r}")
    if not isinstance(ptype, str) or ptype not in TYPES:
        problems.append(f"{where}.type: expected one of {', '.join(TYPES)}, got {ptype!r}")
        return None
    if not isinstance(decl.get("description"), str):
        problems.append(f"{where}.description: required string")
        return None
    param = Parameter(name, ptype, decl["description"], bool(required), decl.get("default"))
    if required and "default" in decl:
        problems.append(f"{where}: a required parameter cannot have a default")
    elif "default" in decl:
        try:
            param.check("template", decl["default"])
        except SiteError:
            problems.append(f"{where}.default: expected {ptype}, got {decl['default']!r}")
    return param


def _placeholders(value: Any) -> list[str]:
    if isinstance(value, str):
        return PLACEHOLDER.findall(value)
    if isinstance(value, Mapping):
        return [n for v in value.values() for n in _placeholders(v)]
    if isinstance(value, list):
        return [n for v in value for n in _placeholders(v)]
    return []
