"""Parsl's plugin system: hooks, the plugin manager, the plugin API version."""

from __future__ import annotations

import pluggy

from parsl.plugins.api import PLUGIN_API_VERSION
from parsl.plugins.hookspecs import PROJECT_NAME

#: Marks a plugin module's function (or a monitor's method) as a hook implementation.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["PLUGIN_API_VERSION", "hookimpl"]
