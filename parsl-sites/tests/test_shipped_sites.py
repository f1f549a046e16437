"""Every shipped template renders to a config file that ``parsl config check`` accepts."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import tomllib
from site_helpers import run_cli

from parsl.cli.main import main
from parsl.plugins.manager import get_plugin_manager
from parsl_sites.site import TemplateSite

SHIPPED = sorted(p.name.removesuffix(".toml") for p in files("parsl_sites").joinpath("templates").iterdir()
                 if p.name.endswith(".toml"))
#: The sites the issue asks for, at least.
REQUIRED_SITES = {"frontera", "perlmutter", "polaris", "frontier", "delta", "anvil", "expanse", "midway", "osg",
                  "cc-in2p3", "generic-slurm", "generic-pbs", "generic-lsf", "generic-kubernetes", "generic-aws"}
SCHEDULER_PROVIDER = {"htcondor": "condor"}
SAMPLE = {"str": "abc123", "int": 2, "float": 4.0, "bool": True}


def _template(name: str) -> Any:
    site = get_plugin_manager().get("site", name)
    assert issubclass(site, TemplateSite)
    return site.template()


def _required_sets(name: str) -> list[str]:
    template = _template(name)
    return [arg for p in template.parameters.values() if p.required
            for arg in ("--set", f"{p.name}={SAMPLE[p.type]}")]


def test_every_required_site_is_shipped() -> None:
    assert REQUIRED_SITES <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_site_renders_to_a_config_that_checks(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"{name}.toml"
    assert main(["site", "new", name, *_required_sets(name), "-o", str(out)]) == 0
    data = tomllib.loads(out.read_text())
    assert data["executors"][0]["provider"]["worker_init"] == _template(name).parameters["worker_init"].default
    capsys.readouterr()
    code = main(["config", "check", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "OK" in captured.out


@pytest.mark.parametrize("name", SHIPPED)
def test_site_facts_agree_with_its_config(name: str) -> None:
    template = _template(name)
    provider = template.config["executors"][0]["provider"]
    assert provider["type"] == SCHEDULER_PROVIDER.get(template.scheduler, template.scheduler)
    assert provider.get("launcher", {"type": "single-node"})["type"] == template.launcher
    assert template.login_host and template.staging and template.docs.startswith("https://")
    assert "worker_init" in template.parameters
    required = [p for p in template.parameters.values() if p.required]
    assert all(p.description for p in template.parameters.values())
    assert required or name.startswith("generic-"), "a real site names the allocation it charges"


def test_site_new_and_check_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "polaris.toml"
    code, stdout, stderr = run_cli("site", "new", "polaris", "--set", "account=proj", "--set", "nodes=4",
                                   "-o", str(out))
    assert code == 0, stderr
    provider = tomllib.loads(out.read_text())["executors"][0]["provider"]
    assert (provider["account"], provider["nodes_per_block"], provider["type"]) == ("proj", 4, "pbspro")
    assert provider["scheduler_options"] == "#PBS -l filesystems=home:eagle"
    code, stdout, stderr = run_cli("config", "check", str(out))
    assert code == 0, stderr
    assert "polaris (HighThroughputExecutor)" in stdout


def test_site_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["site", "list"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in REQUIRED_SITES)
    assert main(["site", "show", "perlmutter"]) == 0
    shown = capsys.readouterr().out
    assert "perlmutter.nersc.gov" in shown and "scheduler:   slurm" in shown
    assert "account (str, required): NERSC project charged" in shown


def test_optional_parameter_left_unset_leaves_its_key_out(tmp_path: Path) -> None:
    data = get_plugin_manager().get("site", "generic-slurm").config_data({})
    provider = data["executors"][0]["provider"]
    assert "account" not in provider and "partition" not in provider
    assert get_plugin_manager().get("site", "generic-slurm").config_data({"partition": "debug"})[
        "executors"][0]["provider"]["partition"] == "debug"


def test_the_core_names_this_distribution_for_every_shipped_site() -> None:
    from parsl.plugins.known import KNOWN_PLUGINS
    from parsl.plugins.manager import PluginManager

    assert set(KNOWN_PLUGINS["site"]) == set(SHIPPED)
    without_sites = PluginManager()  # nothing loaded: as when parsl-sites is not installed
    assert without_sites.explain_missing("site", "frontera") == (
        "site plugin 'frontera' is not installed: pip install parsl-sites")
