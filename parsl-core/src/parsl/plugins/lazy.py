"""Parsl's import paths, resolved through the installed plugins.

``from parsl.providers import SlurmProvider`` works when some plugin registered a provider called
``SlurmProvider``; otherwise the ``ImportError`` says which distribution to install. Each of
``parsl.executors``, ``parsl.providers`` and ``parsl.launchers`` uses ``module_getattr``.
"""

from __future__ import annotations

from typing import Any, Callable

from parsl.plugins.known import distribution_for


def module_getattr(kind: str, module: str) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` that finds missing names among ``kind`` plugins."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        from parsl.plugins.manager import PluginNotFound, get_plugin_manager

        manager = get_plugin_manager()
        cls = manager.find(kind, name)
        if cls is not None and cls.__name__ == name:
            return cls
        if cls is None and distribution_for(kind, name) is not None:
            raise PluginNotFound(f"cannot import name {name!r} from {module!r}: "
                                 f"{manager.explain_missing(kind, name)}", name=name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
