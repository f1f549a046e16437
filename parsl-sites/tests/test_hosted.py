"""Hosted registries against a real HTTPS server on 127.0.0.1, trusted through the registry's CA file."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Callable, Iterator

import pytest
from https_registry import HTTPSServer, new_key, publish, self_signed_cert
from site_helpers import run_cli

from parsl.cli.main import main
from parsl.plugins.manager import PluginManager

ACME = """
[site]
title = "ACME cluster"
login_host = "login.acme.example"
scheduler = "slurm"
launcher = "srun"

[parameters.account]
type = "str"
required = true
description = "ACME account"

[parameters.worker_init]
type = "str"
default = "{version}"
description = "worker set-up"

[config]

[[config.executors]]
type = "htex"
label = "acme"

[config.executors.provider]
type = "slurm"
account = "{{{{account}}}}"
worker_init = "{{{{worker_init}}}}"
"""


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[HTTPSServer, Path, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    cert, key = self_signed_cert(tmp_path)
    server = HTTPSServer(root, cert, key)
    yield server, root, cert
    server.stop()


def _add(server: HTTPSServer, public: str, cert: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["site", "registry", "add", server.url("index.json"), "--key", public, "--name", "acme",
                 "--cafile", str(cert)]) == 0
    capsys.readouterr()


def _worker_init(fresh_manager: Callable[..., PluginManager]) -> str:
    site = fresh_manager().get("site", "acme/acme")
    return str(site.config_data({"account": "a"})["executors"][0]["provider"]["worker_init"])


def _update_fails(capsys: pytest.CaptureFixture[str], message: str) -> None:
    assert main(["site", "update"]) == 1
    err = capsys.readouterr().err
    assert message in err, err
    assert "the cached copy stays in use" in err


def test_update_verifies_caches_and_works_offline(registry: tuple[HTTPSServer, Path, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  fresh_manager: Callable[..., PluginManager]) -> None:
    server, root, cert = registry
    signing, public = new_key()
    publish(root, {"acme": ACME.format(version="v1")}, signing)
    _add(server, public, cert, capsys)
    assert main(["site", "update"]) == 0
    assert capsys.readouterr().out.strip() == "acme: 1 sites: acme"
    assert _worker_init(fresh_manager) == "v1"
    assert main(["site", "registry", "list"]) == 0
    assert capsys.readouterr().out.split() == ["acme", server.url("index.json")]
    assert main(["site", "list"]) == 0
    assert "acme/acme                ACME cluster  [parsl-sites]" in capsys.readouterr().out

    # a tampered template: the index's hash no longer matches
    (root / "sites" / "acme.toml").write_text(ACME.format(version="evil"))
    _update_fails(capsys, "template 'acme' does not match the signed index")
    assert _worker_init(fresh_manager) == "v1"

    # an index signed by another key
    publish(root, {"acme": ACME.format(version="v2")}, new_key()[0])
    _update_fails(capsys, "the signature of " + server.url("index.json") + " does not match the registry's key")
    assert _worker_init(fresh_manager) == "v1"

    # an expired index, properly signed
    publish(root, {"acme": ACME.format(version="v2")}, signing,
            expires=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1))
    _update_fails(capsys, "expired at")
    assert _worker_init(fresh_manager) == "v1"

    # a good new version is taken
    publish(root, {"acme": ACME.format(version="v2")}, signing)
    assert main(["site", "update"]) == 0
    capsys.readouterr()
    assert _worker_init(fresh_manager) == "v2"

    # the server goes away: refused, and the cache is still used, from a fresh process too
    server.stop()
    _update_fails(capsys, f"cannot reach {server.url('index.json')}")
    assert _worker_init(fresh_manager) == "v2"
    out = tmp_path / "acme.toml"
    code, _, stderr = run_cli("site", "new", "acme/acme", "--set", "account=a", "-o", str(out))
    assert code == 0, stderr
    code, _, stderr = run_cli("config", "check", str(out))
    assert code == 0, stderr


def test_a_certificate_not_trusted_is_refused(registry: tuple[HTTPSServer, Path, Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    server, root, _ = registry
    signing, public = new_key()
    publish(root, {"acme": ACME.format(version="v1")}, signing)
    assert main(["site", "registry", "add", server.url("index.json"), "--key", public, "--name", "acme"]) == 0
    capsys.readouterr()
    assert main(["site", "update"]) == 1
    err = capsys.readouterr().err
    assert "CERTIFICATE_VERIFY_FAILED" in err and "no cached copy" in err


def test_a_template_the_index_vouches_for_must_still_be_a_valid_template(
        registry: tuple[HTTPSServer, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    server, root, cert = registry
    signing, public = new_key()
    publish(root, {"acme": ACME.format(version="v1").replace('type = "int"', "").replace(
        "[parameters.account]", "[parameters.account]\ntype = \"integer\"")}, signing)
    _add(server, public, cert, capsys)
    assert main(["site", "update"]) == 1
    assert "template 'acme' is invalid" in capsys.readouterr().err


def test_missing_file_on_the_server_is_an_http_error(registry: tuple[HTTPSServer, Path, Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    server, _, cert = registry
    _add(server, new_key()[1], cert, capsys)
    assert main(["site", "update"]) == 1
    assert f"{server.url('index.json')} answered HTTP 404" in capsys.readouterr().err
