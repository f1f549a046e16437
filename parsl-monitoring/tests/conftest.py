import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from helpers import build_known_workflow


@pytest.fixture(scope="session")
def known_run(tmp_path_factory):
    """A finished workflow of 5 tasks (a diamond and a dependency failure), recorded by the hub
    once for every test that reads it (none writes to it)."""
    return build_known_workflow(tmp_path_factory.mktemp("known-run"))


@pytest.fixture(scope="session")
def killed_run(tmp_path_factory):
    """A monitored workflow killed with SIGKILL while its task ran (its writer has finished)."""
    from helpers import kill_a_monitored_workflow

    return kill_a_monitored_workflow(tmp_path_factory.mktemp("killed"))
