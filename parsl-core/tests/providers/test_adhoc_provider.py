"""AdHocProvider over LocalChannels: the provider contract, with no remote host involved.

Over SSHChannels to real hosts it is tested in parsl-channels/ssh/tests/test_adhoc.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parsl.channels import LocalChannel
from parsl.providers import AdHocProvider
from parsl.testing.providers import ProviderConformance


class TestAdHocOverLocalChannelsConformance(ProviderConformance):
    state_timeout = 30.0
    poll_interval = 0.1

    @pytest.fixture
    def provider(self, tmp_path: Path) -> AdHocProvider:
        p = AdHocProvider(channels=[LocalChannel(), LocalChannel()])
        p.script_dir = str(tmp_path)
        return p

    @pytest.fixture
    def bad_submit(self, tmp_path: Path) -> tuple[AdHocProvider, str]:
        not_a_dir = tmp_path / "file"
        not_a_dir.write_text("")
        p = AdHocProvider(channels=[LocalChannel()])
        p.script_dir = str(not_a_dir / "scripts")
        return p, "Not a directory"


def test_one_block_per_channel() -> None:
    p = AdHocProvider(channels=[LocalChannel(), LocalChannel(), LocalChannel()])
    assert (p.init_blocks, p.min_blocks, p.max_blocks, p.nodes_per_block) == (3, 3, 3, 1)


def test_no_channels_is_an_error_naming_the_keyword() -> None:
    with pytest.raises(ValueError, match=r"AdHocProvider\.channels"):
        AdHocProvider(channels=[])
