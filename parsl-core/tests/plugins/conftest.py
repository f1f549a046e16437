from __future__ import annotations

from typing import Iterator

import pytest
from fakes import fake_plugins

from parsl.plugins.manager import PluginManager, reset_plugin_manager


@pytest.fixture
def fake_manager() -> Iterator[PluginManager]:
    """The process's plugin manager replaced by one holding only the fake plugins."""
    manager = PluginManager()
    assert manager.add_plugin(fake_plugins(), name="fake", distribution="parsl-fake", version="1.0")
    reset_plugin_manager(manager)
    yield manager
    reset_plugin_manager(None)
