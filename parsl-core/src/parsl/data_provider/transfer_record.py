"""``Transfer``: one file put on one site, as monitors see it (``parsl_transfer`` hook)."""

from __future__ import annotations

import datetime
from typing import Optional

import attrs


@attrs.frozen
class Transfer:
    """``url`` moved from site ``source`` to site ``dest`` by ``route``.

    ``route`` is ``direct`` (site to site), ``relay`` (through this machine, the sites cannot
    reach each other), ``upload`` (from here), ``collect`` (back here), ``cached`` (the site
    already held it: nothing moved) or ``failed`` (``error`` says why).
    """

    url: str
    source: str
    dest: str
    route: str
    bytes: int
    started: datetime.datetime
    seconds: float
    sha256: str
    error: Optional[str] = None
