"""The config every tutorial notebook loads, so each runs unchanged on any config.

Unset ``PARSL_TUTORIAL_CONFIG``: the embedded default, local threads (needs only parsl-core).
Set it to a config file, e.g. ``examples/htex-local.toml``: that config (HighThroughputExecutor
workers on this machine). Notebooks add their own settings (retries, monitoring) on top.
"""

from __future__ import annotations

import os
from typing import Any

from parsl.config import Config, load_config_file


def tutorial_config(**settings: Any) -> Config:
    """The chosen config with ``settings`` (``retries=2``, ``run_dir=...``) applied."""
    path = os.environ.get("PARSL_TUTORIAL_CONFIG")
    config = load_config_file(path) if path else Config()
    for key, value in settings.items():
        setattr(config, key, value)
    return config
