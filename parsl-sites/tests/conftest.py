"""Fixtures: an isolated registry home, and a plugin manager built afresh (plus test plugins)."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from parsl.plugins import hookimpl
from parsl.plugins.manager import PluginManager, reset_plugin_manager
from parsl_sites import template_site


@pytest.fixture(autouse=True)
def sites_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "sites-home"
    monkeypatch.setenv("PARSL_SITES_HOME", str(home))
    return home


@pytest.fixture
def fresh_manager() -> Iterator[Callable[..., PluginManager]]:
    """Build a plugin manager from the installed entry points (reading the registry cache now),
    optionally with extra site template files registered by a third-party plugin module."""

    def build(**extra_sites: Path) -> PluginManager:
        manager = PluginManager()
        manager.load_entry_points()
        if extra_sites:
            module: Any = types.ModuleType("third_party_sites")
            module.PARSL_PLUGIN_API = ">=1.1,<2"

            @hookimpl
            def parsl_register_sites(register: Any) -> None:
                for name, path in extra_sites.items():
                    register(template_site(path, name), name=name)

            module.parsl_register_sites = parsl_register_sites
            assert manager.add_plugin(module, name="third-party", distribution="third-party-sites")
        reset_plugin_manager(manager)
        return manager

    yield build
    reset_plugin_manager(None)
