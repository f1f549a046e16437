"""``parsl.configs``: site configurations are TOML files that their modules load."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.resources import files
from typing import Iterator

import pytest

from parsl.configfile import ConfigFileError
from parsl.configs._load import load
from parsl.executors.threads import ThreadPoolExecutor
from parsl.plugins import builtin
from parsl.plugins.manager import PluginManager, PluginNotFound, reset_plugin_manager
from parsl.version import VERSION

SITE_FILES = sorted(p.name for p in files("parsl.configs").iterdir() if p.name.endswith(".toml"))


@pytest.fixture
def core_only() -> Iterator[PluginManager]:
    """The process's plugin manager holding only the core's own plugins, whatever else is installed."""
    manager = PluginManager()
    assert manager.add_plugin(builtin, name="core", distribution="parsl-core", version=VERSION)
    reset_plugin_manager(manager)
    yield manager
    reset_plugin_manager(None)


def test_every_site_file_is_loaded_by_its_module() -> None:
    assert len(SITE_FILES) >= 20 and "htex_local.toml" in SITE_FILES
    for name in SITE_FILES:
        module = files("parsl.configs").joinpath(name.replace(".toml", ".py")).read_text()
        assert "load(__name__" in module, name


def test_a_site_configuration_is_built_from_its_file(core_only: PluginManager) -> None:
    config = load("parsl.configs.local_threads")
    assert [type(e) for e in config.executors] == [ThreadPoolExecutor]
    assert config.usage_tracking == 1


def test_values_computed_at_import_are_set_at_their_key_path(core_only: PluginManager) -> None:
    config = load("parsl.configs.local_threads", {"executors[0]": {"type": "threads"}, "executors[0].label": "mine",
                                                  "retries": 2})
    assert config.executors[0].label == "mine"
    assert config.retries == 2


@pytest.mark.parametrize("path", ["executors[3].label", "executors[0].label", "monitoring.hub_address"])
def test_a_key_path_that_is_not_in_the_file_is_an_error(core_only: PluginManager, path: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"no place for a computed value at {path!r}")):
        load("parsl.configs.local_threads", {path: "x"})


def test_a_missing_plugin_is_an_import_error_naming_the_distribution(core_only: PluginManager) -> None:
    with pytest.raises(ImportError) as info:
        load("parsl.configs.htex_local")
    assert isinstance(info.value, PluginNotFound)
    assert "parsl.configs.htex_local needs a plugin" in str(info.value)
    assert "pip install parsl-executor-htex" in str(info.value)


def test_every_missing_plugin_is_named(core_only: PluginManager) -> None:
    with pytest.raises(PluginNotFound) as info:
        load("parsl.configs.ASPIRE1")
    assert "pip install parsl-executor-htex" in str(info.value)
    assert "pip install parsl-monitoring" in str(info.value)


def test_a_planned_plugin_names_its_planned_distribution(core_only: PluginManager) -> None:
    with pytest.raises(PluginNotFound, match="planned as parsl-executor-flux"):
        load("parsl.configs.toss3_llnl")


def test_a_bad_value_is_a_config_file_error_not_an_import_error(core_only: PluginManager) -> None:
    with pytest.raises(ConfigFileError) as info:
        load("parsl.configs.local_threads", {"retries": "two"})
    assert not isinstance(info.value, ImportError)
    assert "retries: expected int, got 'two'" in str(info.value)
    assert "parsl/configs/local_threads.toml" in str(info.value)


def test_importing_a_site_module_without_its_plugin_fails_naming_the_distribution() -> None:
    env = {**os.environ, "PARSL_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run([sys.executable, "-c", "from parsl.configs.htex_local import config"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "PluginNotFound: parsl.configs.htex_local needs a plugin" in done.stderr
    assert "pip install parsl-executor-htex" in done.stderr
