"""The ``parsl`` command: plugins, config check/show, --version."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fakes import plugin_module

from parsl.cli.main import main
from parsl.plugins import builtin
from parsl.plugins.manager import PluginManager
from parsl.version import VERSION

pytestmark = pytest.mark.usefixtures("fake_manager_with_core")


@pytest.fixture
def fake_manager_with_core(fake_manager: PluginManager) -> PluginManager:
    """The fake plugins and the core's own plugin, which brings the core's commands."""
    assert fake_manager.add_plugin(builtin, name="core", distribution="parsl-core", version=VERSION)
    return fake_manager

GOOD = """
[[executors]]
type = "fake"
label = "a"

[executors.provider]
type = "fakeprov"
nodes_per_block = 3
"""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert VERSION in capsys.readouterr().out


def test_plugins_table_and_json(fake_manager: PluginManager, capsys: pytest.CaptureFixture[str]) -> None:
    fake_manager.add_plugin(plugin_module("bad", api="<1"), name="bad", distribution="parsl-bad", version="0.1")
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^provider +fakeprov, FakeProvider, fp +parsl-fake", out, re.M)
    assert "FAILED TO LOAD: plugin 'bad' from parsl-bad 0.1: plugin API mismatch" in out
    assert main(["plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"kind": "executor", "name": "fake"}.items() <= data["plugins"][0].items()
    assert data["broken"][0]["distribution"] == "parsl-bad"


def test_config_check_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.toml"
    good.write_text(GOOD)
    assert main(["config", "check", str(good)]) == 0
    assert "OK; executors: a (FakeExecutor)" in capsys.readouterr().out
    assert main(["config", "show", str(good)]) == 0
    shown = capsys.readouterr().out
    assert 'type = "fakeprov"' in shown and "nodes_per_block = 3" in shown
    assert main(["config", "show", "--format", "yaml", str(good)]) == 0
    assert "nodes_per_block: 3" in capsys.readouterr().out

    bad = tmp_path / "bad.yaml"
    bad.write_text("executors:\n  - type: fake\n    provider: {type: fakeprov, nodes_per_blok: 2}\n")
    assert main(["config", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "executors[0].provider.nodes_per_blok: unknown key for FakeProvider; did you mean 'nodes_per_block'?" in err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_plugins_add_commands(fake_manager: PluginManager, capsys: pytest.CaptureFixture[str]) -> None:
    def parsl_cli_commands(subparsers: object) -> None:
        p = subparsers.add_parser("hello")  # type: ignore[attr-defined]
        p.set_defaults(handler=lambda args: print("hello from plugin") or 0)

    fake_manager.add_plugin(plugin_module("cmds", parsl_cli_commands=parsl_cli_commands),
                            name="cmds", distribution="parsl-cmds")
    assert main(["hello"]) == 0
    assert "hello from plugin" in capsys.readouterr().out


def test_the_core_commands_come_from_the_core_plugin_hook(fake_manager: PluginManager,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Without the core's plugin there is no ``parsl plugins``; with only its hook, there is."""
    fake_manager.pm.unregister(name="core")
    with pytest.raises(SystemExit) as info:
        main(["plugins"])
    assert info.value.code == 2
    assert "invalid choice: 'plugins'" in capsys.readouterr().err
    commands = plugin_module("commands_only", parsl_cli_commands=builtin.parsl_cli_commands)
    assert fake_manager.add_plugin(commands, name="cmds", distribution="parsl-cmds")
    assert main(["plugins"]) == 0
    assert "parsl-fake" in capsys.readouterr().out
