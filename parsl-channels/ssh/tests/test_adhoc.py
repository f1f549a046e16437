"""AdHocProvider with SSHChannels to the two compute nodes: the provider contract on real hosts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from parsl.providers import AdHocProvider
from parsl.providers.errors import SubmitException
from parsl.testing.providers import ProviderConformance, wait_terminal
from parsl.testing.sites import Sites

if TYPE_CHECKING:
    from conftest import ChannelTo


class TestAdHocOverSSHConformance(ProviderConformance):
    state_timeout = 60.0
    poll_interval = 0.2

    @pytest.fixture
    def provider(self, topology: Sites, channel_to: ChannelTo, tmp_path: Path) -> AdHocProvider:
        p = AdHocProvider(channels=[channel_to(topology["compute1"]), channel_to(topology["compute2"])])
        p.script_dir = str(tmp_path)
        return p

    @pytest.fixture
    def bad_submit(self, topology: Sites, channel_to: ChannelTo, tmp_path: Path) -> tuple[AdHocProvider, str]:
        wrong = channel_to(topology["compute1"], host_key=topology["compute2"].host_key)
        p = AdHocProvider(channels=[wrong])
        p.script_dir = str(tmp_path)
        return p, "host key differs"


def test_blocks_spread_over_the_hosts(topology: Sites, channel_to: ChannelTo, tmp_path: Path) -> None:
    p = AdHocProvider(channels=[channel_to(topology["compute1"]), channel_to(topology["compute2"])])
    p.script_dir = str(tmp_path)
    ids = [p.submit("ip -o -4 addr show", 1, f"parsl.spread{i}") for i in range(2)]
    outputs = [wait_terminal(p, j, 60).stdout_summary or "" for j in ids]
    assert topology["compute1"].address in outputs[0] and topology["compute2"].address in outputs[1], outputs
    assert {j.split(":")[0] for j in ids} == {topology["compute1"].address, topology["compute2"].address}


def test_an_unreachable_host_is_passed_over_and_named_when_none_is_left(
        topology: Sites, channel_to: ChannelTo, tmp_path: Path) -> None:
    silent = topology.submit_address.rsplit(".", 1)[0] + ".251"  # on the bridge, nobody there
    dead = channel_to(topology["compute1"], connect_timeout=3)
    dead.hostname = silent
    p = AdHocProvider(channels=[dead, channel_to(topology["compute2"])])
    p.script_dir = str(tmp_path)
    job = p.submit("true", 1, "parsl.alive")
    assert job.startswith(topology["compute2"].address + ":")
    assert wait_terminal(p, job, 60).state.name == "COMPLETED"
    alone = AdHocProvider(channels=[dead])
    alone.script_dir = str(tmp_path)
    with pytest.raises(SubmitException, match=silent):
        alone.submit("true", 1, "parsl.dead")
