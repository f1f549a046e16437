"""Discovering, loading and looking up plugins.

One ``PluginManager`` per process, built on first need. It loads every entry point of the
``parsl`` group itself (not with pluggy's ``load_setuptools_entrypoints``, which stops at the
first broken plugin and does not say which), so that a broken plugin is recorded with its
distribution and cause and every other plugin keeps working.

Environment variables, in the manner of pytest and tox:

``PARSL_DISABLE_PLUGIN_AUTOLOAD=1``
    load only the core's built-ins and the entry points listed in ``PARSL_PLUGINS``;
``PARSL_PLUGINS=name,...``
    entry-point names to load even when autoloading is disabled;
``PARSL_BLOCK_PLUGINS=name,...``
    entry-point or distribution names never to load.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import os
import threading
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Iterable, Iterator, Mapping

import attrs
import pluggy

from parsl.errors import ConfigurationError
from parsl.plugins import hookspecs
from parsl.plugins.api import PLUGIN_API_VERSION, check_api_range
from parsl.plugins.known import distribution_for, planned_for

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "parsl"
CORE_ENTRY_POINT = "core"

#: Plugin kind -> (registration hook name, "module:Class" of the base class every plugin subclasses).
KINDS: Mapping[str, tuple[str, str]] = {
    "executor": ("parsl_register_executors", "parsl.executors.base:ParslExecutor"),
    "provider": ("parsl_register_providers", "parsl.providers.base:ExecutionProvider"),
    "launcher": ("parsl_register_launchers", "parsl.launchers.base:Launcher"),
    "stager": ("parsl_register_stagers", "parsl.data_provider.staging:Staging"),
    "monitor": ("parsl_register_monitors", "parsl.plugins.monitor:Monitor"),
    "logconfig": ("parsl_register_logconfigs", "parsl.logconfigs.base:LogConfig"),
    "container_runtime": ("parsl_register_container_runtimes", "parsl.containers.runtime:ContainerRuntime"),
    "site": ("parsl_register_sites", "parsl.sites:Site"),
    "channel": ("parsl_register_channels", "parsl.channels.base:Channel"),
}


class PluginNotFound(ConfigurationError, ImportError):
    """A plugin was named that is not installed, is blocked, or failed to load."""


@attrs.frozen
class PluginInfo:
    """An entry point of the ``parsl`` group that loaded."""

    name: str
    distribution: str
    version: str
    module: str


@attrs.frozen
class BrokenPlugin:
    """An entry point that could not be loaded or whose hook failed, and why."""

    name: str
    distribution: str
    version: str
    error: str


@attrs.frozen
class Registration:
    """One class offered by a plugin under one or more names."""

    kind: str
    name: str
    cls: type
    names: tuple[str, ...]
    plugin: PluginInfo


@attrs.frozen
class Conflict:
    """Two plugins claim the same name for the same kind."""

    kind: str
    name: str
    first: Registration
    second: Registration

    def message(self) -> str:
        return (
            f"{self.kind} name {self.name!r} is claimed by two plugins: "
            f"{self.first.cls.__module__}.{self.first.cls.__qualname__} from distribution "
            f"{self.first.plugin.distribution!r} and {self.second.cls.__module__}."
            f"{self.second.cls.__qualname__} from distribution {self.second.plugin.distribution!r}; "
            f"uninstall one, or block one with PARSL_BLOCK_PLUGINS"
        )


def _env_list(var: str) -> set[str]:
    return {item.strip() for item in os.environ.get(var, "").split(",") if item.strip()}


def import_object(path: str) -> Any:
    """Import ``"module:attribute"``."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


class PluginManager:
    """The registry of every installed plugin, by kind and name."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: list[PluginInfo] = []
        self.broken: list[BrokenPlugin] = []
        self.blocked: list[str] = []
        self.conflicts: dict[tuple[str, str], Conflict] = {}
        self.module_aliases: dict[str, str] = {}
        self._by_name: dict[str, dict[str, Registration]] = {kind: {} for kind in KINDS}
        self._registrations: list[Registration] = []

    # -- loading ----------------------------------------------------------------------------

    def load_entry_points(self, eps: Iterable[EntryPoint] | None = None) -> None:
        """Load every plugin entry point, recording failures instead of raising them."""
        if eps is None:
            eps = entry_points(group=ENTRY_POINT_GROUP)
        autoload = os.environ.get("PARSL_DISABLE_PLUGIN_AUTOLOAD", "") in ("", "0", "false")
        wanted = _env_list("PARSL_PLUGINS")
        blocked = _env_list("PARSL_BLOCK_PLUGINS")
        seen: set[str] = set()
        for ep in sorted(eps, key=lambda e: (e.name != CORE_ENTRY_POINT, e.name)):
            dist_name, dist_version = _distribution_of(ep)
            key = f"{dist_name}:{ep.name}"
            if key in seen:  # the same distribution visible twice on sys.path
                continue
            seen.add(key)
            if ep.name in blocked or dist_name in blocked:
                self.blocked.append(ep.name)
                continue
            if not autoload and ep.name != CORE_ENTRY_POINT and ep.name not in wanted:
                continue
            self._load_one(ep, dist_name, dist_version)

    def _load_one(self, ep: EntryPoint, dist_name: str, dist_version: str) -> None:
        try:
            module = ep.load()
        except Exception as e:  # a broken plugin must not break the others
            self._broken(ep.name, dist_name, dist_version, f"import of {ep.value!r} failed: {type(e).__name__}: {e}")
            return
        self.add_plugin(module, name=ep.name, distribution=dist_name, version=dist_version)

    def add_plugin(self, module: Any, *, name: str, distribution: str, version: str = "") -> bool:
        """Check and register one plugin module (or object); return whether it loaded.

        Entry points come through here; tests and embedding applications can call it directly.
        """
        problem = check_api_range(getattr(module, "PARSL_PLUGIN_API", None))
        if problem:
            self._broken(name, distribution, version, problem)
            return False
        info = PluginInfo(name, distribution, version, getattr(module, "__name__", repr(module)))
        try:
            self.pm.register(module, name=name)
        except Exception as e:
            self._broken(name, distribution, version, f"invalid hook implementation: {e}")
            return False
        try:
            self._run_registration_hooks(module, info)
        except Exception as e:
            self.pm.unregister(module)
            self._forget(info)
            self._broken(name, distribution, version, f"a registration hook raised {type(e).__name__}: {e}")
            return False
        self.plugins.append(info)
        return True

    def _broken(self, name: str, distribution: str, version: str, error: str) -> None:
        logger.warning("Parsl plugin %r from distribution %s %s failed to load: %s",
                       name, distribution, version, error)
        self.broken.append(BrokenPlugin(name, distribution, version, error))

    def _run_registration_hooks(self, module: Any, info: PluginInfo) -> None:
        for kind, (hook_name, base_path) in KINDS.items():
            impl = getattr(module, hook_name, None)
            if impl is None:
                continue
            base = import_object(base_path)

            def register(cls: type, *, name: str, aliases: tuple[str, ...] = (),
                         _kind: str = kind, _base: type = base) -> None:
                if not (isinstance(cls, type) and issubclass(cls, _base)):
                    raise TypeError(f"{_kind} {name!r}: {cls!r} is not a subclass of {_base.__qualname__}")
                self._add(Registration(_kind, name, cls, _names(name, cls, aliases), info))

            impl(register=register)
        aliases_impl = getattr(module, "parsl_module_aliases", None)
        if aliases_impl is not None:
            self.module_aliases.update(aliases_impl())

    def _add(self, reg: Registration) -> None:
        self._registrations.append(reg)
        table = self._by_name[reg.kind]
        for name in reg.names:
            key = name.lower()
            existing = table.get(key)
            if existing is not None and existing.cls is not reg.cls:
                self.conflicts[(reg.kind, key)] = Conflict(reg.kind, name, existing, reg)
            else:
                table[key] = reg

    def _forget(self, info: PluginInfo) -> None:
        for table in self._by_name.values():
            for key in [k for k, r in table.items() if r.plugin == info]:
                del table[key]
        self._registrations = [r for r in self._registrations if r.plugin != info]

    # -- lookup -------------------------------------------------------------------------------

    def registrations(self, kind: str | None = None) -> Iterator[Registration]:
        """Every registered class, in load order."""
        return (r for r in self._registrations if kind is None or r.kind == kind)

    def names(self, kind: str) -> list[str]:
        """Every name under which a plugin of ``kind`` can be asked for."""
        return sorted({n for r in self.registrations(kind) for n in r.names})

    def find(self, kind: str, name: str) -> type | None:
        """Return the class registered as ``name``, or None; conflicts raise."""
        key = name.lower()
        conflict = self.conflicts.get((kind, key))
        if conflict is not None:
            raise ConfigurationError(conflict.message())
        reg = self._by_name[kind].get(key)
        return reg.cls if reg else None

    def get(self, kind: str, name: str) -> type:
        """Return the class registered as ``name`` or raise an error that says what to do."""
        cls = self.find(kind, name)
        if cls is None:
            raise PluginNotFound(self.explain_missing(kind, name))
        return cls

    def registration_for(self, cls: type) -> Registration | None:
        """The registration of ``cls`` (its short name is ``.name``), if it was registered."""
        for reg in self._registrations:
            if reg.cls is cls:
                return reg
        return None

    def explain_missing(self, kind: str, name: str) -> str:
        """Say why no ``kind`` plugin called ``name`` is available, and what would fix it."""
        msg = f"unknown {kind} plugin {name!r}"
        dist = distribution_for(kind, name)
        if dist is not None:
            broken = [b for b in self.broken if b.distribution == dist]
            if broken:
                return (f"{kind} plugin {name!r} comes from distribution {dist!r}, which is installed "
                        f"but failed to load: {broken[0].error}")
            if any(b == name or dist.endswith(b) for b in self.blocked):
                return f"{kind} plugin {name!r} (distribution {dist!r}) is blocked by PARSL_BLOCK_PLUGINS"
            return f"{kind} plugin {name!r} is not installed: pip install {dist}"
        planned = planned_for(kind, name)
        if planned is not None:
            return planned.explain(f"{kind} plugin {name!r}")
        close = difflib.get_close_matches(name, self.names(kind), n=3, cutoff=0.6)
        if not close:
            close = difflib.get_close_matches(name.lower(), [n.lower() for n in self.names(kind)], n=3, cutoff=0.6)
        if close:
            msg += f"; did you mean {' or '.join(repr(c) for c in close)}?"
        else:
            msg += f"; installed {kind} plugins: {', '.join(self.names(kind)) or 'none'}"
        if self.broken:
            msg += " (plugins that failed to load: " + "; ".join(
                f"{b.name} ({b.distribution}): {b.error}" for b in self.broken) + ")"
        return msg

    # -- monitor hooks --------------------------------------------------------------------------

    @property
    def hook(self) -> Any:
        """Pluggy's hook relay, for calling monitor hooks."""
        return self.pm.hook

    def has_monitor_hooks(self) -> bool:
        """Whether any loaded plugin or registered monitor implements a monitor hook."""
        return any(getattr(self.pm.hook, h.__name__).get_hookimpls() for h in hookspecs.MONITOR_HOOKS)


def _names(name: str, cls: type, aliases: Iterable[str]) -> tuple[str, ...]:
    ordered = [name, cls.__name__, *aliases]
    return tuple(dict.fromkeys(ordered))


def _distribution_of(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return ("<unknown distribution>", "")
    return (dist.metadata["Name"] or dist.name, dist.version)


_manager: PluginManager | None = None
_building: PluginManager | None = None
_lock = threading.RLock()


def get_plugin_manager() -> PluginManager:
    """Return the process's plugin manager, loading every plugin on first call.

    A lookup made while plugins are still loading (a plugin module importing a Parsl path that
    is itself resolved through plugins) sees the plugins loaded so far instead of deadlocking.
    """
    global _manager, _building
    if _manager is None:
        with _lock:
            if _building is not None:
                return _building
            if _manager is None:
                _building = PluginManager()
                try:
                    _building.load_entry_points()
                    _manager = _building
                finally:
                    _building = None
    return _manager


def reset_plugin_manager(manager: PluginManager | None = None) -> None:
    """Forget every loaded plugin, so the next lookup loads them afresh, or use ``manager`` (for tests)."""
    global _manager
    with _lock:
        _manager = manager


__all__ = [
    "PLUGIN_API_VERSION",
    "BrokenPlugin",
    "Conflict",
    "PluginInfo",
    "PluginManager",
    "PluginNotFound",
    "Registration",
    "get_plugin_manager",
    "reset_plugin_manager",
]
