"""``parsl.load(site=...)`` and config files naming a site, with a third party's site run for real."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

import parsl
from parsl import python_app
from parsl.errors import ConfigurationError
from parsl.plugins.manager import PluginManager

LAPTOP = """
[site]
title = "A laptop"
login_host = "localhost"
scheduler = "none"
launcher = "none"
staging = ["file://"]
docs = "https://example.org/laptop"

[parameters.workers]
type = "int"
required = true
description = "threads running apps"

[parameters.label]
type = "str"
default = "laptop"
description = "executor label"

[config]
retries = 0

[[config.executors]]
type = "threads"
label = "{{label}}"
max_threads = "{{workers}}"
"""


@python_app
def where(x: int) -> tuple[int, str]:
    import threading

    return x * 2, threading.current_thread().name


@pytest.fixture
def laptop(tmp_path: Path, fresh_manager: Callable[..., PluginManager]) -> PluginManager:
    source = tmp_path / "laptop.toml"
    source.write_text(LAPTOP)
    return fresh_manager(laptop=source)


def _run_and_check(expected_label: str) -> Any:
    try:
        dfk = parsl.dfk()
        assert [e.label for e in dfk.config.executors] == [expected_label]
        assert [f.result()[0] for f in [where(i) for i in range(4)]] == [0, 2, 4, 6]
        return dfk.config
    finally:
        parsl.dfk().cleanup()
        parsl.clear()


def test_load_a_third_party_site_by_name(laptop: PluginManager) -> None:
    assert laptop.find("site", "laptop") is not None
    assert laptop.registration_for(laptop.get("site", "laptop")).plugin.distribution == "third-party-sites"
    parsl.load(site="laptop", workers=3)
    config = _run_and_check("laptop")
    assert config.executors[0].max_threads == 3


def test_config_file_naming_a_site_overrides_its_settings(laptop: PluginManager, tmp_path: Path) -> None:
    path = tmp_path / "workflow.toml"
    path.write_text('retries = 2\n\n[site]\nname = "laptop"\nworkers = 2\nlabel = "mine"\n')
    parsl.load(str(path))
    config = _run_and_check("mine")
    assert config.retries == 2


def test_config_file_site_by_name_alone_needs_its_required_parameters(laptop: PluginManager, tmp_path: Path) -> None:
    path = tmp_path / "workflow.yaml"
    path.write_text("site: laptop\n")
    with pytest.raises(ConfigurationError, match=r"missing required parameter 'workers' \(threads running apps\)"):
        parsl.load(str(path))


def test_shipped_site_builds_the_config_its_file_would(laptop: PluginManager) -> None:
    from parsl.configfile import config_from_data

    config = config_from_data({"site": {"name": "frontera", "account": "abc", "nodes": 3}})
    provider = config.executors[0].provider
    assert (type(provider).__name__, provider.account, provider.nodes_per_block, provider.partition) == (
        "SlurmProvider", "abc", 3, "normal")
    assert type(provider.launcher).__name__ == "SrunLauncher"
