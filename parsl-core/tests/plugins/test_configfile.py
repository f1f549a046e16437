"""Config files: plugins by name, strict values, errors with key paths, round trips."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from fakes import EchoLauncher, FakeExecutor, FakeProvider

from parsl.config import Config
from parsl.configfile import ConfigFileError, config_from_data, config_to_data, dumps, load_config_file

pytestmark = pytest.mark.usefixtures("fake_manager")

TOML = """
retries = 2
run_dir = "my_runs"

[[executors]]
type = "fake"
label = "cluster"
max_workers = 4
max_workers_per_node = 2.5
worker_port_range = [50000, 50100]

[executors.provider]
type = "fakeprov"
partition = "debug"
nodes_per_block = 2

[executors.provider.launcher]
type = "echo"
prefix = "srun"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_toml_builds_nested_plugins(tmp_path: Path) -> None:
    config = load_config_file(write(tmp_path, "w.toml", TOML))
    assert isinstance(config, Config)
    assert config.retries == 2 and config.run_dir == "my_runs"
    (ex,) = config.executors
    assert isinstance(ex, FakeExecutor) and ex.label == "cluster" and ex.max_workers == 4.0
    assert ex.worker_port_range == (50000, 50100) and ex.max_workers_per_node == 2.5
    assert isinstance(ex.provider, FakeProvider) and ex.provider.nodes_per_block == 2
    assert isinstance(ex.provider.launcher, EchoLauncher) and ex.provider.launcher.prefix == "srun"


def test_yaml_is_the_same_shape(tmp_path: Path) -> None:
    yaml_text = """
    retries: 2
    executors:
      - type: FakeExecutor
        label: cluster
        provider: {type: fp, nodes_per_block: 2, launcher: echo}
    """
    config = load_config_file(write(tmp_path, "w.yaml", yaml_text))
    (ex,) = config.executors
    assert isinstance(ex.provider, FakeProvider) and isinstance(ex.provider.launcher, EchoLauncher)


def test_plugin_names_are_case_insensitive() -> None:
    config = config_from_data({"executors": [{"type": "FAKE", "provider": {"type": "FakeProv"}}]})
    assert isinstance(config.executors[0].provider, FakeProvider)


@pytest.mark.parametrize("data, expected", [
    ({"executors": [{"type": "fake", "provider": {"type": "fakeprov", "nodes_per_block": "two"}}]},
     "executors[0].provider.nodes_per_block: expected int, got 'two'"),
    ({"executors": [{"type": "fake", "provider": {"type": "fakeprov", "partiton": "x"}}]},
     "executors[0].provider.partiton: unknown key for FakeProvider; did you mean 'partition'?"),
    ({"executors": [{"type": "fakee"}]},
     "executors[0].type: unknown executor plugin 'fakee'; did you mean 'fake'?"),
    ({"executors": [{"label": "x"}]}, "executors[0].type: missing 'type'"),
    ({"executors": [{"type": "htex"}]},
     "executors[0].type: executor plugin 'htex' is not installed: pip install parsl-executor-htex"),
    ({"executors": [{"type": "fake", "provider": {"type": "slurm"}}]},
     "executors[0].provider.type: provider plugin 'slurm' is not installed: pip install parsl-provider-slurm"),
    ({"retries": True}, "retries: expected int, got True"),
    ({"retries": "3"}, "retries: expected int, got '3'"),
    ({"exit_mode": "clean"},
     "exit_mode: expected one of 'cleanup', 'skip', 'wait', got 'clean'; did you mean 'cleanup'?"),
    ({"executors": "fake"}, "executors: expected a list"),
    ({"retry_handler": "no_such_module_xyz:f"}, "retry_handler: cannot import 'no_such_module_xyz:f'"),
    ({"retries": -1, "executors": [{"type": "fake"}]}, "invalid Config settings: retries must not be negative"),
    ({"executors": [{"type": "fake", "worker_port_range": [1, 2, 3]}]},
     "executors[0].worker_port_range: expected 2 items"),
    ({"executors": [{"type": "fake", "max_workers_per_node": "4"}]},
     "executors[0].max_workers_per_node: expected int | float | None, got '4'"),
])
def test_errors_name_the_key_path(data: dict, expected: str) -> None:
    with pytest.raises(ConfigFileError) as info:
        config_from_data(data)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigFileError) as info:
        config_from_data({"retries": "x", "run_dri": "y", "executors": [{"type": "nope"}]})
    paths = sorted(p.split(":")[0] for p in info.value.problems)
    assert paths == ["executors[0].type", "retries", "run_dri"]


def test_syntax_errors_name_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", "retries = = 2\n")
    with pytest.raises(ConfigFileError, match=r"bad.toml.*\n.*TOML syntax error"):
        load_config_file(path)
    with pytest.raises(ConfigFileError, match="YAML syntax error"):
        load_config_file(write(tmp_path, "bad.yaml", "a: [1, 2\n"))
    with pytest.raises(ConfigFileError, match=r"unknown config file type '\.ini'"):
        load_config_file(write(tmp_path, "c.ini", ""))
    with pytest.raises(ConfigFileError, match="cannot read the file"):
        load_config_file(tmp_path / "missing.toml")


def test_callables_by_import_path() -> None:
    config = config_from_data({"retry_handler": "os.path:join", "executors": [{"type": "fake"}]})
    import os.path

    assert config.retry_handler is os.path.join


@pytest.mark.parametrize("fmt", ["toml", "yaml"])
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    original = load_config_file(write(tmp_path, "w.toml", TOML))
    text = dumps(original, fmt)
    again = load_config_file(write(tmp_path, f"again.{fmt}", text))
    assert config_to_data(again) == config_to_data(original)
    assert repr(again) == repr(original)
    assert "fakeprov" in text and "nodes_per_block" in text and "init_blocks" not in text
    if fmt == "toml":  # one header per settings object, as people write it
        assert "\n[[executors]]\n" in text and "\n[executors.provider.launcher]\n" in text


def test_dump_names_what_cannot_be_written() -> None:
    from parsl.configfile import NotRepresentable

    config = Config(executors=[FakeExecutor()], retry_handler=lambda e, t: 1)
    with pytest.raises(NotRepresentable, match="retry_handler"):
        dumps(config, "toml")
