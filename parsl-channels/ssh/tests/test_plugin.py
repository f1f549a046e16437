"""Parsl's old import paths and names for channels resolve through the plugin."""

from __future__ import annotations

import pytest

from parsl.plugins.settings import SettingTypeError
from parsl_channel_ssh import SSHChannel


def test_parsl_import_paths() -> None:
    from parsl.channels import LocalChannel
    from parsl.channels import SSHChannel as Found
    from parsl.channels.ssh import SSHChannel as Aliased
    from parsl.providers import AdHocProvider

    assert Found is Aliased is SSHChannel
    assert AdHocProvider(channels=[LocalChannel(), Found("h")]).max_blocks == 2


def test_parsl_keywords_by_position() -> None:
    c = SSHChannel("h", "me", None, "scripts", {"A": "1"}, False, 2222, "/k", "/known")
    assert (c.hostname, c.username, c.script_dir, c.envs, c.port, c.key_filename, c.host_keys_filename) == (
        "h", "me", "scripts", {"A": "1"}, 2222, "/k", "/known")
    assert c.where == "me@h:2222"


def test_a_bad_value_names_the_field() -> None:
    with pytest.raises(SettingTypeError, match=r"SSHChannel\.port"):
        SSHChannel("h", port="22")  # type: ignore[arg-type]


def test_a_provider_refuses_a_channel_that_is_not_one() -> None:
    from parsl.providers import AdHocProvider

    with pytest.raises(SettingTypeError, match=r"AdHocProvider\.channels"):
        AdHocProvider(channels=["login.example.org"])  # type: ignore[list-item]
