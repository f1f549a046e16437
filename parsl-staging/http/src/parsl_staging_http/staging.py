"""Parsl's two HTTP(S) staging providers; the protocol-independent logic is in the core."""

from __future__ import annotations

from typing import ClassVar

from parsl.data_provider.protocol_staging import InTaskStaging, SeparateTaskStaging
from parsl.data_provider.transfers import Fetch
from parsl.plugins.settings import settings
from parsl_staging_http import transfer


class _HTTP:
    """The HTTP operation, shared by both providers (HTTP has no stage-out, as in Parsl)."""

    schemes: ClassVar[tuple[str, ...]] = ("http", "https")

    def fetcher(self) -> Fetch:
        return transfer.fetch


@settings
class HTTPSeparateTaskStaging(_HTTP, SeparateTaskStaging):
    """Download ``http``/``https`` inputs in a separate task on the submit side.

    The file is written to the executor's ``working_dir`` (or the current directory), so the
    workers must share that file system. ``cache_dir``/``cache_size`` configure the node cache
    (``cache_size=0`` turns it off).
    """


@settings
class HTTPInTaskStaging(_HTTP, InTaskStaging):
    """Download ``http``/``https`` inputs on the worker, just before the app runs.

    Needs no shared file system: the worker must reach the URL. The node cache lives on the
    worker's node.
    """
