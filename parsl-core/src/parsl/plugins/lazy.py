"""Parsl's import paths, resolved through the installed plugins.

``from parsl.providers import SlurmProvider`` works when some plugin registered a provider called
``SlurmProvider``; otherwise the ``ImportError`` says which distribution to install (or, for a
capability no distribution offers yet, which one is planned). Each of ``parsl.executors``,
``parsl.providers`` and ``parsl.launchers`` uses ``module_getattr``.

Their ``__all__`` is computed when asked for: the exported names that resolve now. So
``from parsl.providers import *`` works whichever plugins are installed, and never lists a name
that would raise.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

from parsl.plugins.known import distribution_for, planned_for


def available_names(module: str, names: Sequence[str]) -> list[str]:
    """The ``names`` of ``module`` that import now (a plugin missing for one is skipped)."""
    found = []
    for name in names:
        try:
            getattr(sys.modules[module], name)
        except ImportError:
            continue
        found.append(name)
    return found


def module_getattr(kind: str, module: str, exported: Sequence[str] = ()) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` that finds missing names among ``kind`` plugins.

    ``exported`` is what ``__all__`` may hold; it answers with those available now.
    """

    def __getattr__(name: str) -> Any:
        if name == "__all__":
            return available_names(module, exported)
        if name.startswith("__"):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        from parsl.plugins.manager import PluginNotFound, get_plugin_manager

        manager = get_plugin_manager()
        cls = manager.find(kind, name)
        if cls is not None and cls.__name__ == name:
            return cls
        if cls is None and (distribution_for(kind, name) or planned_for(kind, name)) is not None:
            raise PluginNotFound(f"cannot import name {name!r} from {module!r}: "
                                 f"{manager.explain_missing(kind, name)}", name=name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
