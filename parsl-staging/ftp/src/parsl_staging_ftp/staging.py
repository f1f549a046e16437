"""Parsl's two FTP staging providers; the protocol-independent logic is in the core."""

from __future__ import annotations

from typing import ClassVar

from parsl.data_provider.protocol_staging import InTaskStaging, SeparateTaskStaging
from parsl.data_provider.transfers import Fetch, Upload
from parsl.plugins.settings import settings
from parsl_staging_ftp import transfer


class _FTP:
    """The FTP operations, shared by both providers."""

    schemes: ClassVar[tuple[str, ...]] = ("ftp",)

    def fetcher(self) -> Fetch:
        return transfer.fetch

    def uploader(self) -> Upload:
        return transfer.upload


@settings
class FTPSeparateTaskStaging(_FTP, SeparateTaskStaging):
    """Stage ``ftp`` files in (and out) as separate tasks on the submit side.

    Files live in the executor's ``working_dir`` (or the current directory), which the workers
    must share. ``cache_dir``/``cache_size`` configure the node cache (``cache_size=0``: off).
    """


@settings
class FTPInTaskStaging(_FTP, InTaskStaging):
    """Stage ``ftp`` files on the worker, around the app: no shared file system needed."""
