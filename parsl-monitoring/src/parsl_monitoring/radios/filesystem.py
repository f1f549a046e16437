"""Parsl's ``FilesystemRadio`` configuration (kept, never started: see ``parsl_monitoring.radios``)."""

from __future__ import annotations

from parsl.plugins.settings import settings
from parsl_monitoring.radios.base import UnusedRadio


@settings
class FilesystemRadio(UnusedRadio):
    """Parsl's radio through files in the run directory; takes no keywords."""
