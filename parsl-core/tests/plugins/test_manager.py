"""The plugin manager: discovery that survives broken plugins, conflicts, versions, env vars."""

from __future__ import annotations

import sys
import types
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Iterator

import pytest
from fakes import FakeExecutor, FakeProvider, fake_plugins, plugin_module

from parsl.errors import ConfigurationError
from parsl.plugins.api import PLUGIN_API_VERSION, check_api_range
from parsl.plugins.manager import PluginManager, PluginNotFound


class FakeDist:
    def __init__(self, name: str, version: str = "1.0"):
        self.name = name
        self.version = version
        self.metadata = {"Name": name}


def entry_point(name: str, module: str, dist: str) -> EntryPoint:
    ep = EntryPoint(name=name, value=module, group="parsl")
    return ep._for(FakeDist(dist))  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def modules() -> Iterator[dict[str, types.ModuleType]]:
    """Plugin modules importable by name for the duration of a test."""
    installed: dict[str, types.ModuleType] = {}
    yield installed
    for name in installed:
        sys.modules.pop(name, None)


def install(modules: dict[str, types.ModuleType], module: types.ModuleType) -> str:
    modules[module.__name__] = module
    sys.modules[module.__name__] = module
    return module.__name__


def test_broken_plugins_are_reported_and_the_others_load(modules: dict) -> None:
    good = install(modules, fake_plugins())
    raising = install(modules, plugin_module(
        "raising_plugin", parsl_register_providers=lambda register: 1 / 0))
    old = install(modules, plugin_module("old_plugin", api=">=0.1,<1"))
    undeclared = install(modules, plugin_module("undeclared_plugin", api=None))
    manager = PluginManager()
    manager.load_entry_points([
        entry_point("missing", "no_such_module_for_parsl_tests", "parsl-provider-missing"),
        entry_point("raising", raising, "parsl-provider-raising"),
        entry_point("old", old, "parsl-old"),
        entry_point("undeclared", undeclared, "parsl-undeclared"),
        entry_point("good", good, "parsl-good"),
    ])
    assert [p.name for p in manager.plugins] == ["good"]
    broken = {b.name: b for b in manager.broken}
    assert set(broken) == {"missing", "raising", "old", "undeclared"}
    assert broken["missing"].distribution == "parsl-provider-missing"
    assert "ModuleNotFoundError" in broken["missing"].error
    assert "ZeroDivisionError" in broken["raising"].error
    assert "plugin API mismatch" in broken["old"].error and PLUGIN_API_VERSION in broken["old"].error
    assert "does not declare PARSL_PLUGIN_API" in broken["undeclared"].error
    assert manager.get("executor", "fake") is FakeExecutor
    # a name from a broken plugin is only an error when asked for, and the error says why
    expected = (r"unknown provider plugin 'raising'.*failed to load: "
                r".*raising \(parsl-provider-raising\).*ZeroDivisionError")
    with pytest.raises(PluginNotFound, match=expected):
        manager.get("provider", "raising")


def test_registering_a_class_of_the_wrong_kind_is_a_broken_plugin() -> None:
    manager = PluginManager()
    module = plugin_module("wrong", parsl_register_providers=lambda register: register(FakeExecutor, name="x"))
    assert not manager.add_plugin(module, name="wrong", distribution="parsl-wrong")
    assert "is not a subclass of ExecutionProvider" in manager.broken[0].error
    assert manager.find("provider", "x") is None


def test_conflicting_names_name_both_distributions() -> None:
    class OtherProvider(FakeProvider):
        pass

    manager = PluginManager()
    manager.add_plugin(fake_plugins(), name="fake", distribution="parsl-fake")
    manager.add_plugin(plugin_module("other", parsl_register_providers=lambda register: register(
        OtherProvider, name="fakeprov")), name="other", distribution="parsl-other")
    with pytest.raises(ConfigurationError) as info:
        manager.get("provider", "fakeprov")
    message = str(info.value)
    assert "'parsl-fake'" in message and "'parsl-other'" in message and "PARSL_BLOCK_PLUGINS" in message
    assert manager.get("provider", "OtherProvider") is OtherProvider  # unique names still work


def test_block_and_autoload_environment_variables(modules: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    good = install(modules, fake_plugins())
    eps = [entry_point("good", good, "parsl-good")]
    monkeypatch.setenv("PARSL_BLOCK_PLUGINS", "parsl-good")
    manager = PluginManager()
    manager.load_entry_points(eps)
    assert manager.plugins == [] and manager.blocked == ["good"]

    monkeypatch.delenv("PARSL_BLOCK_PLUGINS")
    monkeypatch.setenv("PARSL_DISABLE_PLUGIN_AUTOLOAD", "1")
    manager = PluginManager()
    manager.load_entry_points(eps)
    assert manager.plugins == []

    monkeypatch.setenv("PARSL_PLUGINS", "good")
    manager = PluginManager()
    manager.load_entry_points(eps)
    assert [p.name for p in manager.plugins] == ["good"]


@pytest.mark.parametrize("declared, ok", [
    (">=1.0,<2", True), (">=1", True), ("==1.0", True), (">=1.1", False), ("<1", False), ("1", False),
    (2, False), (None, False),
])
def test_api_ranges(declared: object, ok: bool) -> None:
    assert (check_api_range(declared, "1.0") is None) is ok


def test_missing_first_party_plugin_says_what_to_install(fake_manager: PluginManager) -> None:
    with pytest.raises(ImportError, match="pip install parsl-provider-slurm"):
        from parsl.providers import SlurmProvider  # noqa: F401
    with pytest.raises(ConfigurationError, match="pip install parsl-executor-htex"):
        from parsl.executors import HighThroughputExecutor  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match="pip install parsl-provider-slurm"):
        import parsl.providers.slurm.slurm  # noqa: F401
    with pytest.raises(ImportError, match="cannot import name 'NoSuchThing'"):
        from parsl.providers import NoSuchThing  # noqa: F401


def test_parsl_import_paths_resolve_through_plugins(fake_manager: PluginManager) -> None:
    from parsl.executors import FakeExecutor as resolved
    from parsl.providers import FakeProvider as resolved_provider

    assert resolved is FakeExecutor and resolved_provider is FakeProvider


def test_module_aliases_give_the_plugin_modules_themselves(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_manager: PluginManager) -> None:
    package = tmp_path / "parsl_fake_pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "errors.py").write_text("class Boom(Exception):\n    pass\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "deep.py").write_text("VALUE = object()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    fake_manager.module_aliases["parsl.executors.fake_pkg"] = "parsl_fake_pkg"
    names = ["parsl.executors.fake_pkg", "parsl.executors.fake_pkg.errors", "parsl.executors.fake_pkg.sub",
             "parsl.executors.fake_pkg.sub.deep", "parsl_fake_pkg", "parsl_fake_pkg.errors", "parsl_fake_pkg.sub",
             "parsl_fake_pkg.sub.deep"]
    try:
        import parsl_fake_pkg.errors
        import parsl_fake_pkg.sub.deep
        from parsl.executors.fake_pkg.errors import Boom
        from parsl.executors.fake_pkg.sub.deep import VALUE

        assert Boom is parsl_fake_pkg.errors.Boom  # one module object, not a second copy
        assert VALUE is parsl_fake_pkg.sub.deep.VALUE
        assert sys.modules["parsl.executors.fake_pkg.sub.deep"] is parsl_fake_pkg.sub.deep
    finally:
        for name in names:
            sys.modules.pop(name, None)


def test_monitor_hooks_are_skipped_when_nobody_implements_them(fake_manager: PluginManager) -> None:
    assert not fake_manager.has_monitor_hooks()
    seen = []

    class Watcher:
        from parsl.plugins import hookimpl

        @hookimpl
        def parsl_task_state(self, dfk: object, task_record: dict, state: object) -> None:
            seen.append(state)

    watcher = Watcher()
    fake_manager.pm.register(watcher)
    assert fake_manager.has_monitor_hooks()
    fake_manager.hook.parsl_task_state(dfk=None, task_record={}, state="running")
    assert seen == ["running"]
