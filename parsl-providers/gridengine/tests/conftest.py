"""Tests marked ``gridengine`` need the cell of ``.ci/services/gridengine.sh start``."""

from __future__ import annotations

import os

import pytest

from parsl.testing.providers import require_service


@pytest.fixture(autouse=True)
def _gridengine_running(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("gridengine"):
        # where .ci/services/gridengine.sh puts the cell, unless the environment says otherwise
        monkeypatch.setenv("SGE_ROOT", os.environ.get("SGE_ROOT", "/var/lib/gridengine"))
        monkeypatch.setenv("SGE_CELL", os.environ.get("SGE_CELL", "default"))
        require_service("qstat -f | grep -q all.q", "Grid Engine",
                        "Start it with `sudo .ci/services/gridengine.sh start`, or deselect with -m 'not gridengine'.")
