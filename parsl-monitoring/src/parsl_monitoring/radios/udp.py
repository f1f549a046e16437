"""Parsl's ``UDPRadio`` configuration (kept, never started: see ``parsl_monitoring.radios``)."""

from __future__ import annotations

from typing import Optional

import attrs

from parsl.plugins.settings import settings
from parsl_monitoring.radios.base import UnusedRadio


@settings
class UDPRadio(UnusedRadio):
    """Parsl's UDP radio, with its keywords: ``address`` is required, as in Parsl."""

    port: Optional[int] = attrs.field(default=None, kw_only=True)
    atexit_timeout: int = attrs.field(default=3, kw_only=True)
    address: str = attrs.field(kw_only=True)
    debug: bool = attrs.field(default=False, kw_only=True)
    hmac_digest: str = attrs.field(default="sha512", kw_only=True)
