"""Parsl module paths that live in plugin distributions.

``import parsl.executors.high_throughput.errors`` finds nothing in the core. This finder, placed
last on ``sys.meta_path``, looks the path up in the module aliases plugins declare
(``parsl_module_aliases``) and imports the plugin's module under Parsl's name. A known
first-party path whose plugin is not installed raises ``ModuleNotFoundError`` naming the
distribution to install; a path of a capability only planned says which distribution will serve it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Sequence

from parsl.plugins.known import distribution_for_module, planned_for_module, replacement_for_module

_PREFIXES = ("parsl.executors.", "parsl.providers.", "parsl.launchers.", "parsl.data_provider.",
             "parsl.monitoring", "parsl.curvezmq", "parsl.channels.")


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The target module was executed when it was imported under its own name."""


#: Parsl package path -> plugin package it was aliased to, for packages already imported.
_aliased_packages: dict[str, str] = {}


def _alias_spec(fullname: str, target_name: str) -> importlib.machinery.ModuleSpec | None:
    try:
        target_module = importlib.import_module(target_name)
    except ModuleNotFoundError as e:
        if e.name == target_name:
            return None
        raise
    spec = importlib.util.spec_from_loader(fullname, _AliasLoader(target_name))
    if spec is not None and hasattr(target_module, "__path__"):
        spec.submodule_search_locations = list(target_module.__path__)
        _aliased_packages[fullname] = target_name
    return spec


class AliasedSubmoduleFinder(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path``: a submodule of an aliased package is the plugin's own module.

    Without it the ordinary path finder would find ``parsl.providers.slurm.slurm`` through the
    aliased package's ``__path__`` and execute the file a second time, giving two copies of every
    class. It only looks at packages already aliased, so it costs a dict lookup per import.
    """

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        parent, _, child = fullname.rpartition(".")
        target_parent = _aliased_packages.get(parent)
        if target_parent is None:
            return None
        return _alias_spec(fullname, f"{target_parent}.{child}")


class PluginModuleFinder(importlib.abc.MetaPathFinder):
    """Last on ``sys.meta_path``: finds Parsl module paths that a plugin provides under another name."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(_PREFIXES):
            return None
        from parsl.plugins.manager import get_plugin_manager

        aliases = get_plugin_manager().module_aliases
        for prefix in sorted(aliases, key=len, reverse=True):
            if fullname == prefix or fullname.startswith(prefix + "."):
                spec = _alias_spec(fullname, aliases[prefix] + fullname[len(prefix):])
                if spec is None:
                    _explain_missing(fullname, installed=True)
                return spec
        _explain_missing(fullname, installed=False)
        return None


def _explain_missing(fullname: str, *, installed: bool) -> None:
    """Raise the ``ModuleNotFoundError`` that says why Parsl module path ``fullname`` is missing, if we know.

    ``installed``: a plugin serving the path's package is installed, so "pip install" would not help.
    """
    replacement = replacement_for_module(fullname)
    if replacement is not None:
        raise ModuleNotFoundError(f"No module named {fullname!r}: {replacement}", name=fullname)
    dist = None if installed else distribution_for_module(fullname)
    if dist is not None:
        raise ModuleNotFoundError(
            f"No module named {fullname!r}: it is provided by a plugin that is not installed: "
            f"pip install {dist}", name=fullname)
    planned = planned_for_module(fullname)
    if planned is not None:
        raise ModuleNotFoundError(f"No module named {fullname!r}: {planned.explain(fullname)}", name=fullname)


def parsl_name(cls: type) -> str:
    """``module.Class`` of ``cls`` as Parsl names it: a plugin's module under its Parsl alias.

    ``parsl_executor_htex.executor.HighThroughputExecutor`` is
    ``parsl.executors.high_throughput.executor.HighThroughputExecutor``; a class of no aliased
    module keeps its own path.
    """
    from parsl.plugins.manager import get_plugin_manager

    module = cls.__module__
    for alias, target in get_plugin_manager().module_aliases.items():
        if module == target or module.startswith(target + "."):
            module = alias + module[len(target):]
            break
    return f"{module}.{cls.__qualname__}"


def install() -> None:
    """Put the finders on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, PluginModuleFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, AliasedSubmoduleFinder())
        sys.meta_path.append(PluginModuleFinder())
