"""Parsl module paths that live in plugin distributions.

``import parsl.executors.high_throughput.errors`` finds nothing in the core. This finder, placed
last on ``sys.meta_path``, looks the path up in the module aliases plugins declare
(``parsl_module_aliases``) and imports the plugin's module under Parsl's name. A known
first-party path whose plugin is not installed raises ``ModuleNotFoundError`` naming the
distribution to install.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Sequence

from parsl.plugins.known import distribution_for_module

_PREFIXES = ("parsl.executors.", "parsl.providers.", "parsl.launchers.", "parsl.data_provider.",
             "parsl.monitoring")


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The target module was executed when it was imported under its own name."""


class PluginModuleFinder(importlib.abc.MetaPathFinder):
    """Finds Parsl module paths that a plugin provides under another name."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(_PREFIXES):
            return None
        from parsl.plugins.manager import get_plugin_manager

        aliases = get_plugin_manager().module_aliases
        for prefix in sorted(aliases, key=len, reverse=True):
            if fullname == prefix or fullname.startswith(prefix + "."):
                target_name = aliases[prefix] + fullname[len(prefix):]
                try:
                    target_module = importlib.import_module(target_name)
                except ModuleNotFoundError as e:
                    if e.name == target_name:
                        return None
                    raise
                spec = importlib.util.spec_from_loader(fullname, _AliasLoader(target_name))
                if spec is not None and hasattr(target_module, "__path__"):
                    spec.submodule_search_locations = list(target_module.__path__)
                return spec
        dist = distribution_for_module(fullname)
        if dist is not None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: it is provided by a plugin that is not installed: "
                f"pip install {dist}", name=fullname)
        return None


def install() -> None:
    """Put the finder at the end of ``sys.meta_path`` (once)."""
    if not any(isinstance(f, PluginModuleFinder) for f in sys.meta_path):
        sys.meta_path.append(PluginModuleFinder())
