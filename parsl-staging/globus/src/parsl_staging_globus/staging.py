"""``GlobusStaging``: ``globus://<endpoint>/<path>`` files moved by Globus Transfer."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

import attrs

from parsl.data_provider.local_paths import working_dir_of
from parsl.data_provider.staging import Staging
from parsl.errors import ConfigurationError
from parsl.plugins.settings import fspath, settings
from parsl_staging_globus.transfer import POLL_INTERVAL, transfer_file

if TYPE_CHECKING:
    from concurrent.futures import Future

    from parsl.data_provider.files import File
    from parsl.plugins.protocols import DataManagerView


@settings
class GlobusStaging(Staging):
    """Stage ``globus://`` files between their endpoint and the executor's, as in Parsl.

    ``endpoint_uuid`` is the Globus endpoint (collection) that sees the executor's
    ``working_dir``. When that endpoint shows the file system under another root, give the
    local directory ``local_path`` (containing ``working_dir``) and the same directory as the
    endpoint sees it, ``endpoint_path``. Transfers run as separate tasks on the submit side,
    with the login stored by ``parsl globus login``.
    """

    endpoint_uuid: str
    endpoint_path: str | None = attrs.field(default=None, converter=fspath)
    local_path: str | None = attrs.field(default=None, converter=fspath)

    #: Seconds between two looks at a running Globus task.
    poll_interval: ClassVar[float] = POLL_INTERVAL

    def can_stage_in(self, file: File) -> bool:
        return file.scheme == "globus"

    def can_stage_out(self, file: File) -> bool:
        return file.scheme == "globus"

    def endpoint_dir(self, working_dir: str | None) -> str:
        """The executor's ``working_dir`` as the executor's endpoint sees it."""
        if not working_dir:
            raise ConfigurationError("GlobusStaging needs the executor's working_dir to be set")
        working_dir = os.path.normpath(working_dir)
        if not (self.endpoint_path and self.local_path):
            return working_dir
        local = os.path.normpath(self.local_path)
        if os.path.commonpath((local, working_dir)) != local:
            raise ConfigurationError(f"GlobusStaging local_path {local!r} must contain the working_dir "
                                     f"{working_dir!r}")
        return os.path.normpath(os.path.join(self.endpoint_path, os.path.relpath(working_dir, local)))

    def _place(self, dm: DataManagerView, executor: str, file: File) -> str:
        working_dir = working_dir_of(dm, executor)
        endpoint_dir = self.endpoint_dir(working_dir)
        file.local_path = os.path.join(str(working_dir), file.filename)
        return endpoint_dir

    def stage_in(self, dm: DataManagerView, executor: str, file: File, parent_fut: Future | None) -> Future | None:
        endpoint_dir = self._place(dm, executor, file)
        return dm.stage_in_task(file, parent_fut, globus_stage_in, self, endpoint_dir)

    def stage_out(self, dm: DataManagerView, executor: str, file: File, app_fu: Future) -> Future | None:
        endpoint_dir = self._place(dm, executor, file)
        return dm.submit_staging_task(globus_stage_out, self, endpoint_dir, app_fu, inputs=[file])


def globus_stage_in(provider: GlobusStaging, endpoint_dir: str, parent_fut: Any = None,
                    outputs: Iterable[File] = ()) -> None:
    """The stage-in task: the file's endpoint -> the executor's endpoint."""
    file = next(iter(outputs))
    transfer_file(file.url, file.netloc, provider.endpoint_uuid, file.path,
                  os.path.join(endpoint_dir, file.filename), direction="in", poll_interval=provider.poll_interval)


def globus_stage_out(provider: GlobusStaging, endpoint_dir: str, app_fu: Any = None,
                     inputs: Iterable[File] = ()) -> None:
    """The stage-out task, run once the app is done: the executor's endpoint -> the file's."""
    file = next(iter(inputs))
    transfer_file(file.url, provider.endpoint_uuid, file.netloc, os.path.join(endpoint_dir, file.filename),
                  file.path, direction="out", poll_interval=provider.poll_interval)
