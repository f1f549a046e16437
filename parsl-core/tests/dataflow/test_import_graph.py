"""No import cycle among ``parsl.app``, ``parsl.dataflow`` and ``parsl.data_provider``.

Every import counts, at module level or deferred inside a function (a deferred import only
hides a cycle from the interpreter, it does not remove it); imports under ``if TYPE_CHECKING:``
do not, since they never run. The apps sit on the dataflow, which sits on the data provider:
Parsl's own tasks go through ``DataFlowKernel.submit_internal``, not through ``python_app``.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set

import pytest

import parsl

PACKAGES = ("parsl.app", "parsl.dataflow", "parsl.data_provider")
ROOT = Path(parsl.__file__).parent


def module_files() -> Dict[str, Path]:
    """Module name -> source file, for every module of ``PACKAGES``."""
    found = {}
    for package in PACKAGES:
        folder = ROOT / package.split(".", 1)[1]
        for path in folder.rglob("*.py"):
            parts = path.relative_to(ROOT.parent).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every dotted name an import in ``tree`` may load, skipping ``if TYPE_CHECKING:`` bodies."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                yield from imported_names(child, module, is_package)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        yield from imported_names(node, module, is_package)


def import_graph() -> Dict[str, Set[str]]:
    """Module -> the modules of ``PACKAGES`` it imports (a package's ``__init__`` included)."""
    files = module_files()
    graph: Dict[str, Set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(), str(path))
        targets = set()
        for name in imported_names(tree, module, path.name == "__init__.py"):
            parts = name.split(".")
            targets.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[module] = {t for t in targets if t in files and t != module}
    return graph


def find_cycle(graph: Dict[str, Set[str]]) -> Optional[List[str]]:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None when it has none."""
    state: Dict[str, int] = {}  # 1: on the current path, 2: finished
    path: List[str] = []

    def visit(node: str) -> Optional[List[str]]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_module_level_deferred_and_relative_imports() -> None:
    graph = import_graph()
    assert "parsl.dataflow.dflow" in graph["parsl.app.python"]  # module level
    assert "parsl.app.python" in graph["parsl.app.app"]  # deferred, inside python_app
    assert "parsl.data_provider.data_manager" in graph["parsl.dataflow.dflow"]
    assert "parsl.dataflow.dflow" not in graph["parsl.data_provider.data_manager"]  # TYPE_CHECKING only


def test_relative_imports_resolve() -> None:
    tree = ast.parse("from . import files\nfrom .staging import Staging\n")
    names = set(imported_names(tree, "parsl.data_provider.zip", is_package=False))
    assert {"parsl.data_provider.files", "parsl.data_provider.staging"} <= names


@pytest.mark.parametrize("graph, cycle", [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b", "c"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
])
def test_find_cycle(graph: Dict[str, Set[str]], cycle: Optional[List[str]]) -> None:
    assert find_cycle(graph) == cycle


def test_no_import_cycle_between_app_dataflow_and_data_provider() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def reachable(graph: Dict[str, Set[str]], start: str) -> Set[str]:
    """Every module ``start`` imports, directly or through others."""
    seen: Set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("shared", ["parsl.data_provider.files", "parsl.app.futures", "parsl.app.errors",
                                    "parsl.dataflow.futures", "parsl.dataflow.internal"])
def test_what_the_packages_share_sits_below_the_kernel_the_manager_and_the_decorators(shared: str) -> None:
    above = {"parsl.dataflow.dflow", "parsl.data_provider.data_manager", "parsl.app.app", "parsl.app.python",
             "parsl.app.bash"}
    assert not reachable(import_graph(), shared) & above
