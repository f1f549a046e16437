"""Bad input gives a specific error naming the site, the parameter and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

import parsl
from parsl.cli.main import main
from parsl.configfile import ConfigFileError, config_from_data
from parsl.errors import ConfigurationError, NoDataFlowKernelError
from parsl_sites import SiteError, parse_template


def test_unknown_site_suggests_close_names() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown site plugin 'frontra'; did you mean 'frontera'"):
        parsl.load(site="frontra", account="abc")
    with pytest.raises(NoDataFlowKernelError):
        parsl.dfk()


def test_unknown_site_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["site", "show", "perlmuter"]) == 1
    assert "did you mean 'perlmutter'" in capsys.readouterr().err


def test_missing_required_parameter_names_it_and_its_description() -> None:
    with pytest.raises(ConfigurationError, match=r"site 'frontera': missing required parameter 'account' "
                                                 r"\(TACC allocation \(project\) charged"):
        parsl.load(site="frontera")


@pytest.mark.parametrize(("value", "shown"), [("two", "'two'"), (True, "True"), (2.5, "2.5")])
def test_wrong_type_names_the_parameter(value: object, shown: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"parameter 'nodes': expected int, got {shown}"):
        parsl.load(site="frontera", account="abc", nodes=value)


def test_wrong_type_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["site", "new", "frontera", "--set", "account=abc", "--set", "nodes=two"]) == 1
    assert "site 'frontera': parameter 'nodes': expected int, got 'two'" in capsys.readouterr().err
    assert main(["site", "new", "frontera", "--set", "account"]) == 1
    assert "--set 'account': expected NAME=VALUE" in capsys.readouterr().err


def test_unknown_parameter_suggests_close_names() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown parameter 'acount'; did you mean 'account'"):
        parsl.load(site="frontera", acount="abc")


def test_config_file_site_errors_carry_the_file_and_key() -> None:
    with pytest.raises(ConfigFileError, match=r"invalid config x.toml:\n  site: site 'delta': missing required "
                                              r"parameter 'account'"):
        config_from_data({"site": {"name": "delta"}}, "x.toml")
    with pytest.raises(ConfigFileError, match=r"site: expected a site name or a table with a 'name' key, got 3"):
        config_from_data({"site": 3}, "x.toml")


def test_load_takes_a_config_or_a_site_not_both() -> None:
    with pytest.raises(ConfigurationError, match="either a config or site=NAME"):
        parsl.load(parsl.Config(), site="frontera", account="abc")
    with pytest.raises(ConfigurationError, match="either a config or site=NAME"):
        parsl.load(account="abc")


def test_registry_url_must_be_https(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["site", "registry", "add", "http://sites.example.org/index.json", "--key", "AAAA"]) == 1
    assert "registry URL 'http://sites.example.org/index.json' is not HTTPS" in capsys.readouterr().err


def test_registry_key_must_be_an_ed25519_public_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["site", "registry", "add", "https://sites.example.org/index.json", "--key", "bm90IGEga2V5"]) == 1
    assert "is not a base64 Ed25519 public key" in capsys.readouterr().err


GOOD = """
[site]
title = "T"
login_host = "h"
scheduler = "slurm"
launcher = "srun"

[parameters.nodes]
type = "int"
default = 1
description = "nodes"

[config]
retries = "{{nodes}}"
"""


def test_a_valid_template_parses() -> None:
    assert parse_template(GOOD, "t", "t.toml").render({"nodes": 3}) == {"retries": 3}


@pytest.mark.parametrize(("edit", "problem"), [
    (('retries = "{{nodes}}"', 'retries = "{{node}}"'),
     r"config: placeholder \{\{node\}\} names no declared parameter"),
    (('type = "int"', 'type = "integer"'),
     r"parameters.nodes.type: expected one of str, int, float, bool, got 'integer'"),
    (("default = 1", 'default = "1"'), r"parameters.nodes.default: expected int, got '1'"),
    (("default = 1", "default = 1\nrequired = true"), r"parameters.nodes: a required parameter cannot have a default"),
    (('login_host = "h"', ""), r"site.login_host: required string"),
    (('title = "T"', 'title = "T"\nqueue = "q"'), r"site.queue: unknown key"),
    (("[config]", "[configs]"), r"unknown top-level table 'configs'"),
    (("default = 1", 'default = 1\nrequired = "yes"'), r"parameters.nodes.required: expected true or false, got 'yes'"),
])
def test_template_problems_name_the_key(edit: tuple[str, str], problem: str) -> None:
    with pytest.raises(SiteError, match=rf"invalid site template t.toml:\n(.*\n)*  {problem}"):
        parse_template(GOOD.replace(*edit), "t", "t.toml")


def test_template_syntax_error_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match=r"site template t.toml: TOML syntax error"):
        parse_template("[site", "t", "t.toml")
