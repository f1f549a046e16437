"""Parsl's ``HTEXRadio`` configuration (kept, never started: see ``parsl_monitoring.radios``)."""

from __future__ import annotations

from parsl.plugins.settings import settings
from parsl_monitoring.radios.base import UnusedRadio


@settings
class HTEXRadio(UnusedRadio):
    """Parsl's default radio of the HighThroughputExecutor; takes no keywords."""
