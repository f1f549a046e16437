"""Tests marked ``slurm`` need the single-node cluster of ``.ci/services/slurm.sh start``."""

from __future__ import annotations

import pytest

from parsl.testing.providers import require_service


@pytest.fixture(autouse=True)
def _slurm_running(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("slurm"):
        require_service("scontrol ping | grep -q UP && sinfo -h -o %t | grep -qvE '^(down|drain|fail|unk)'", "Slurm",
                        "Start it with `sudo .ci/services/slurm.sh start`, or deselect with -m 'not slurm'.")
