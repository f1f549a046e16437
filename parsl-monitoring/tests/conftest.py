import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from helpers import build_known_workflow


@pytest.fixture
def known_run(tmp_path):
    """A finished workflow of 5 tasks (a diamond and a dependency failure), recorded by the hub."""
    return build_known_workflow(tmp_path)
