"""Parsl's public classes and functions take the same parameters here: names, order, kinds, defaults.

The reference wheel's modules are parsed with ``ast`` (real Parsl is never imported); ours are
inspected. Compared: every public top-level function, and the constructor of every public
top-level class that defines ``__init__``, of each module path that imports here. Every difference
found must be listed in the "Signature differences" section of docs/compatibility.md (with its
reason), and every entry listed there must still be a difference: the list never goes stale.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from typing import Any, Iterator

import attrs
import pytest

from parsl.app.app import AppBase
from parsl.plugins.known import planned_for_module, replacement_for_module
from parsl.testing.reference import reference_wheel, wheel_modules, wheel_source

COMPATIBILITY = Path(__file__).resolve().parents[1] / "docs" / "compatibility.md"

#: Module paths not compared: site configurations (they define only a ``config`` object).
SKIPPED_PREFIXES = ("parsl.configs",)

_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "/",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "",
    inspect.Parameter.VAR_POSITIONAL: "*",
    inspect.Parameter.KEYWORD_ONLY: "kw:",
    inspect.Parameter.VAR_KEYWORD: "**",
}


def _parsl_params(fn: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> list[tuple[str, str | None]]:
    """``[(kind+name, default source or None)]`` of a parsed function, without ``self``."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    params = [(("/" if i < len(a.posonlyargs) else "") + p.arg, ast.unparse(d) if d is not None else None)
              for i, (p, d) in enumerate(zip(positional, defaults))]
    if method and params:
        params = params[1:]
    if a.vararg:
        params.append(("*" + a.vararg.arg, None))
    params += [("kw:" + p.arg, ast.unparse(d) if d is not None else None) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg:
        params.append(("**" + a.kwarg.arg, None))
    return params


def _parsl_callables(source: str) -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            yield node.name, _parsl_params(node, method=False)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
            if init is not None:
                yield node.name, _parsl_params(init, method=True)


def _our_default(obj: Any, name: str, value: Any) -> Any:
    """The default value; an attrs class shows ``NOTHING`` for a field whose default is a factory."""
    if value is attrs.NOTHING and attrs.has(obj):
        value = attrs.fields_dict(obj)[name.removeprefix("kw:")].default
    return value.factory() if isinstance(value, attrs.Factory) and not value.takes_self else value  # type: ignore[arg-type]


def _same_default(source: str, ours: Any, namespace: dict[str, Any]) -> bool:
    try:
        theirs = eval(source, dict(namespace))
    except Exception:
        return source == repr(ours)
    if type(theirs) is type(ours) and not isinstance(theirs, (int, float, str, bytes, tuple, type(None), bool)):
        return repr(theirs) == repr(ours) or theirs == ours
    if isinstance(theirs, (list, tuple)) and isinstance(ours, (list, tuple)):
        return list(theirs) == list(ours)
    return bool(theirs == ours)


def _call_shape(names: list[str]) -> list[str]:
    """Parameters as callers see them: keyword-only ones in any order (sorted)."""
    return [n for n in names if not n.startswith("kw:")] + sorted(n for n in names if n.startswith("kw:"))


def _difference(name: str, theirs: list[tuple[str, str | None]], obj: Any, namespace: dict[str, Any]) -> str | None:
    if isinstance(obj, AppBase):
        obj = obj.func  # a decorated app: Parsl's source shows the function's parameters
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return "no signature"
    ours = [(_KINDS[p.kind] + p.name, p.default) for p in signature.parameters.values()]
    their_names = _call_shape([n for n, _ in theirs])
    our_names = _call_shape([n for n, _ in ours])
    if their_names != our_names:
        return f"parameters ({', '.join(n for n, _ in theirs)}) here ({', '.join(n for n, _ in ours)})"
    differing = [n for (n, d), (_, o) in zip(theirs, ours)
                 if (d is None) != (o is inspect.Parameter.empty)
                 or (d is not None and not _same_default(d, _our_default(obj, n, o), namespace))]
    if differing:
        return "defaults of " + ", ".join(differing)
    return None


def signature_differences() -> dict[str, str]:
    """``module.Name`` -> how ours differs, for every compared Parsl callable."""
    wheel = reference_wheel()
    found: dict[str, str] = {}
    for module, path in sorted(wheel_modules(wheel).items()):
        if module.startswith(SKIPPED_PREFIXES) or planned_for_module(module) or replacement_for_module(module):
            continue
        try:
            ours = importlib.import_module(module)
        except ImportError as e:
            found[module] = f"module does not import: {e}"
            continue
        for name, params in _parsl_callables(wheel_source(wheel, path)):
            obj = getattr(ours, name, None)
            if obj is None:
                found[f"{module}.{name}"] = "missing"
            elif (difference := _difference(name, params, obj, vars(ours))) is not None:
                found[f"{module}.{name}"] = difference
    return found


def documented_differences() -> set[str]:
    """The ``module.Name`` entries of the "Signature differences" section of docs/compatibility.md."""
    text = COMPATIBILITY.read_text()
    match = re.search(r"^## Signature differences\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, "docs/compatibility.md has no '## Signature differences' section"
    return set(re.findall(r"^- `(parsl[\w.]*)`", match.group(1), re.M))


@pytest.fixture(scope="module")
def differences() -> dict[str, str]:
    return signature_differences()


def test_parsls_public_callables_are_compared(differences: dict[str, str]) -> None:
    wheel = reference_wheel()
    compared = [name for module, path in wheel_modules(wheel).items() if module.startswith("parsl.providers.slurm")
                for name, _ in _parsl_callables(wheel_source(wheel, path))]
    assert "SlurmProvider" in compared


def test_every_difference_is_documented(differences: dict[str, str]) -> None:
    undocumented = {k: v for k, v in differences.items() if k not in documented_differences()}
    assert not undocumented, "signature differences missing from docs/compatibility.md:\n" + "\n".join(
        f"- `{k}`: {v}" for k, v in sorted(undocumented.items()))


def test_no_documented_difference_is_stale(differences: dict[str, str]) -> None:
    stale = documented_differences() - set(differences)
    assert not stale, f"listed in docs/compatibility.md but no longer different (remove them): {sorted(stale)}"
