"""Every hook is documented: in its docstring, and in docs/plugins.md."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from parsl.plugins import hookspecs

DOCS = Path(__file__).resolve().parents[3] / "docs" / "plugins.md"
HOOKS = [f for name, f in vars(hookspecs).items() if name.startswith("parsl_") and inspect.isfunction(f)]


def test_there_are_hooks_for_the_five_kinds() -> None:
    names = {f.__name__ for f in HOOKS}
    assert {f"parsl_register_{k}" for k in ("executors", "providers", "launchers", "stagers", "monitors")} <= names


@pytest.mark.parametrize("hook", HOOKS, ids=lambda f: f.__name__)
def test_hook_is_documented(hook: object) -> None:
    assert inspect.getdoc(hook), f"{hook} has no docstring"
    assert f"`{hook.__name__}(" in DOCS.read_text(), f"{hook.__name__} is missing from docs/plugins.md"
