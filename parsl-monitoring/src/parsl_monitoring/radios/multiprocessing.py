"""Parsl's ``MultiprocessingQueueRadio`` configuration (kept, never started: see ``parsl_monitoring.radios``)."""

from __future__ import annotations

from parsl.plugins.settings import settings
from parsl_monitoring.radios.base import UnusedRadio


@settings
class MultiprocessingQueueRadio(UnusedRadio):
    """Parsl's radio through a multiprocessing queue of the submit process; takes no keywords."""
