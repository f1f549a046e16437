"""A third-party plugin, installed by pip into a fresh venv, works through its entry point alone.

Beside it sits a plugin that fails at import: it is reported, and nothing else is affected.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(*cmd: str | Path, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the core, the HTEX plugin, the example plugin and the broken plugin."""
    path = tmp_path_factory.mktemp("thirdparty") / "venv"
    uv = shutil.which("uv")
    assert uv, "these tests need uv on PATH (nox sessions install it in their venv)"
    run(uv, "venv", "-q", "--python", sys.executable, path)
    run(uv, "pip", "install", "-q", "--python", path / "bin" / "python",
        ROOT / "parsl-core", ROOT / "parsl-executors" / "htex",
        FIXTURES / "parsl-example-plugin", FIXTURES / "parsl-broken-plugin")
    return path


def test_parsl_plugins_lists_the_third_party_plugin_and_the_broken_one(venv: Path) -> None:
    data = json.loads(run(venv / "bin" / "parsl", "plugins", "--json").stdout)
    mine = [p for p in data["plugins"] if p["distribution"] == "parsl-example-plugin"]
    assert [(p["kind"], p["names"]) for p in mine] == [("provider", ["tagged-local", "TaggedLocalProvider"])]
    assert mine[0]["version"] == "0.1.0"
    (broken,) = data["broken"]
    assert broken["distribution"] == "parsl-broken-plugin"
    assert "a_dependency_that_is_not_installed" in broken["error"]
    kinds = {p["kind"] for p in data["plugins"] if p["distribution"] == "parsl-core"}
    assert kinds == {"executor", "provider", "launcher", "stager", "logconfig", "channel"}


def test_a_workflow_runs_through_the_plugin_named_in_toml(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "workflow.toml").write_text(textwrap.dedent("""
        [[executors]]
        type = "htex"
        label = "tagged"
        max_workers_per_node = 1

        [executors.provider]
        type = "tagged-local"
        tag = "from-the-plugin"
    """))
    (tmp_path / "script.py").write_text(textwrap.dedent("""
        from parsl import python_app

        @python_app
        def tag():
            import os
            return os.environ.get("PARSL_EXAMPLE_TAG")

        print("TAG", tag().result())
    """))
    result = run(venv / "bin" / "parsl", "run", "--config", "workflow.toml", "script.py", cwd=tmp_path)
    assert "TAG from-the-plugin" in result.stdout


def test_config_check_names_the_broken_plugin_when_asked_for_an_unknown_one(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('[[executors]]\ntype = "htex"\n[executors.provider]\ntype = "taged-local"\n')
    result = subprocess.run([venv / "bin" / "parsl", "config", "check", "bad.toml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert result.returncode == 1
    expected = "executors[0].provider.type: unknown provider plugin 'taged-local'; did you mean 'tagged-local'"
    assert expected in result.stderr
    assert "(plugins that failed to load: broken (parsl-broken-plugin): import of" in result.stderr
