"""``RSyncStaging``: files moved to and from the worker with rsync over SSH, around the task."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Callable

from parsl.data_provider.local_paths import set_local_path
from parsl.data_provider.protocol_staging import InTaskStaging, in_task_stage_in, in_task_stage_out
from parsl.data_provider.transfers import Fetch, Upload
from parsl.plugins.settings import settings
from parsl_staging_rsync import transfer

if TYPE_CHECKING:
    from concurrent.futures import Future

    from parsl.data_provider.files import File
    from parsl.plugins.protocols import DataManagerView


@settings
class RSyncStaging(InTaskStaging):
    """Stage files in and out on the worker with rsync over SSH.

    As in Parsl, with ``hostname`` set, plain paths (``file`` URLs) are taken to live on that
    host: the worker rsyncs them from ``hostname`` before the task and back after it. URLs
    ``rsync://[user@]host[:port]/path`` name their host themselves. Workers must reach the
    host without a password (a key, an agent, or ``ssh_command="ssh -i key ..."``, which is
    also passed to rsync as its remote shell).

    With ``sandbox`` (the default) each staged file gets its own ``parsl-sandbox-<id>/``
    directory under the executor's ``working_dir`` on the worker, and is removed after the
    task (inputs) or after the upload (outputs): workers need no shared file system, and
    concurrent tasks never see each other's files. ``cache_dir``/``cache_size`` configure the
    worker node's cache of fetched files (``cache_size=0`` turns it off).
    """

    hostname: str | None = None
    ssh_command: str | None = None
    sandbox: bool = True

    def _remote_url(self, file: File) -> str:
        if file.scheme == "rsync":
            return file.url
        return f"rsync://{self.hostname}{os.path.abspath(file.path)}"

    def _handles(self, file: File) -> bool:
        return file.scheme == "rsync" or (file.scheme == "file" and self.hostname is not None)

    def fetcher(self) -> Fetch:
        return functools.partial(transfer.fetch, ssh_command=self.ssh_command)

    def uploader(self) -> Upload:
        return functools.partial(transfer.upload, ssh_command=self.ssh_command)

    def can_stage_in(self, file: File) -> bool:
        return self._handles(file)

    def can_stage_out(self, file: File) -> bool:
        return self._handles(file)

    def stage_in(self, dm: DataManagerView, executor: str, file: File, parent_fut: Future | None) -> None:
        set_local_path(dm, executor, file, sandbox=self.sandbox)

    def stage_out(self, dm: DataManagerView, executor: str, file: File, app_fu: Future) -> None:
        set_local_path(dm, executor, file, sandbox=self.sandbox)

    def replace_task(self, dm: DataManagerView, executor: str, file: File, func: Callable) -> Callable:
        assert file.local_path is not None
        return in_task_stage_in(func, self.fetcher(), self._remote_url(file), file.local_path,
                                self.node_cache(), cleanup=self.sandbox)

    def replace_task_stage_out(self, dm: DataManagerView, executor: str, file: File, func: Callable) -> Callable:
        assert file.local_path is not None
        return in_task_stage_out(func, self.uploader(), file.local_path, self._remote_url(file),
                                 cleanup=self.sandbox)
