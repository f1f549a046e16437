"""Local files need no staging: ``NoOpFileStaging`` accepts ``file`` URLs and does nothing."""

from __future__ import annotations

from parsl.data_provider.files import File
from parsl.data_provider.staging import Staging
from parsl.plugins.settings import settings


@settings
class NoOpFileStaging(Staging):
    """Accepts files of scheme ``file`` (including plain paths); the task opens them where they are.

    A File on a named ``site`` is not here to open: a site stager (``SiteStaging``) moves it.
    """

    def can_stage_in(self, file: File) -> bool:
        return file.scheme == "file" and file.site is None

    def can_stage_out(self, file: File) -> bool:
        return file.scheme == "file" and file.site is None
