"""The known-plugin tables list only our distributions; planned capabilities say so; ``import *`` works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from parsl.errors import ConfigurationError
from parsl.plugins.known import KNOWN_MODULES, KNOWN_PLUGINS, PLANNED_MODULES, PLANNED_PLUGINS
from parsl.plugins.manager import PluginManager

ROOT = Path(__file__).resolve().parents[3]


def _repository_distributions() -> set[str]:
    return {tomllib.loads(p.read_text())["project"]["name"] for p in ROOT.glob("parsl-*/**/pyproject.toml")
            if "fixtures" not in p.parts}


def _tabled(table: object) -> set[str]:
    values = [v for names in table.values() for v in names.values()] if isinstance(table, dict) else []
    return {v if isinstance(v, str) else v.distribution for v in values}


def test_known_tables_name_only_distributions_of_this_repository() -> None:
    ours = _repository_distributions()
    assert "parsl-provider-slurm" in ours
    assert _tabled(dict(KNOWN_PLUGINS)) <= ours
    assert set(KNOWN_MODULES.values()) <= ours


def test_a_planned_capability_moves_to_the_known_tables_when_its_distribution_lands() -> None:
    planned = _tabled(dict(PLANNED_PLUGINS)) | {p.distribution for p in PLANNED_MODULES.values()}
    assert planned and not planned & _repository_distributions()
    for kind, names in PLANNED_PLUGINS.items():
        assert not set(names) & set(KNOWN_PLUGINS[kind]), kind


@pytest.mark.parametrize(("module", "name", "distribution"), [
    ("parsl.executors", "WorkQueueExecutor", "parsl-executor-workqueue"),
    ("parsl.executors", "TaskVineExecutor", "parsl-executor-taskvine"),
    ("parsl.executors", "FluxExecutor", "parsl-executor-flux"),
    ("parsl.executors", "RadicalPilotExecutor", "parsl-executor-radical"),
    ("parsl", "WorkQueueExecutor", "parsl-executor-workqueue"),
])
def test_a_planned_plugin_names_its_planned_distribution(fake_manager: PluginManager, module: str, name: str,
                                                        distribution: str) -> None:
    with pytest.raises(ImportError) as info:
        exec(f"from {module} import {name}")
    message = str(info.value)
    assert f"has no distribution yet: it is planned as {distribution}" in message
    assert "pip install" not in message
    assert isinstance(info.value, ConfigurationError)


def test_a_planned_module_path_names_its_planned_distribution() -> None:
    with pytest.raises(ModuleNotFoundError, match=r"planned as parsl-executor-taskvine; no released package"):
        import parsl.executors.taskvine.executor
    with pytest.raises(ModuleNotFoundError, match=r"planned as parsl-executor-flux; no released package"):
        import parsl.executors.flux.executor  # noqa: F401


def test_a_config_naming_a_planned_plugin_says_so(fake_manager: PluginManager) -> None:
    with pytest.raises(ConfigurationError, match="executor plugin 'workqueue' has no distribution yet"):
        fake_manager.get("executor", "workqueue")


STAR_IMPORTS = """
from parsl import *
from parsl.executors import *
from parsl.providers import *
from parsl.launchers import *
import parsl, parsl.executors, parsl.providers
print(sorted(parsl.providers.__all__), sorted(parsl.executors.__all__), "Config" in parsl.__all__)
"""


def test_star_imports_work_with_no_plugin_but_the_core() -> None:
    done = subprocess.run([sys.executable, "-c", STAR_IMPORTS], capture_output=True, text=True, timeout=120,
                          env={"PARSL_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['AdHocProvider', 'LocalProvider'] ['ThreadPoolExecutor'] True"
