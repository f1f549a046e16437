"""Zip-file staging: ``zip:/path/to/archive.zip/inside/name.txt`` names a member of an archive.

Stage-out runs the app against a file in the executor's ``working_dir``, then appends it to the
archive (creating it if needed); stage-in extracts the member into ``working_dir`` first. Both
run as tasks on the internal executor and hold an exclusive lock on ``<archive>.lock``
(``fcntl.flock``), so concurrent tasks and processes do not corrupt the archive.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from concurrent.futures import Future
from typing import Any, Iterator, List, Optional, Tuple

from parsl.data_provider.files import File
from parsl.data_provider.staging import Staging
from parsl.errors import ParslError
from parsl.plugins.settings import settings


class ZipAuthorityError(ParslError):
    """A ``zip:`` URL had an authority (``zip://host/...``), which zip staging cannot use."""

    def __init__(self, file: File) -> None:
        super().__init__(file)
        self.file = file

    def __str__(self) -> str:
        return (f"ZipFileStaging cannot stage Files with an authority (netloc) section "
                f"({self.file.netloc}), for {self.file.url}")


@settings
class ZipFileStaging(Staging):
    """Stages ``zip:`` Files into and out of zip archives; needs the executor's ``working_dir``."""

    def can_stage_out(self, file: File) -> bool:
        return self.is_zip_url(file)

    def can_stage_in(self, file: File) -> bool:
        return self.is_zip_url(file)

    def is_zip_url(self, file: File) -> bool:
        if file.scheme != "zip":
            return False
        if file.netloc:
            raise ZipAuthorityError(file)
        return True

    def stage_out(self, dm: Any, executor: str, file: File, parent_fut: Optional[Future]) -> Optional[Future]:
        zip_path, inside_path = zip_path_split(file.path)
        file.local_path = os.path.join(_working_dir(dm, executor), inside_path)
        os.makedirs(os.path.dirname(file.local_path), exist_ok=True)
        app = _internal_app(dm, _zip_stage_out)
        return app(zip_path, inside_path, inputs=[file], parent_fut=parent_fut,  # type: ignore[no-any-return]
                   _parsl_staging_inhibit=True)

    def stage_in(self, dm: Any, executor: str, file: File, parent_fut: Optional[Future]) -> Optional[Future]:
        zip_path, inside_path = zip_path_split(file.path)
        file.local_path = os.path.join(_working_dir(dm, executor), inside_path)
        app = _internal_app(dm, _zip_stage_in)
        app_fut = app(zip_path, inside_path, outputs=[file], parent_fut=parent_fut, _parsl_staging_inhibit=True)
        return app_fut.outputs[0]  # type: ignore[no-any-return]


def zip_path_split(path: str) -> Tuple[str, str]:
    """Split ``/a/b.zip/c/d.txt`` into the archive path and the member path."""
    index = path.find(".zip/")
    if index < 0:
        raise ValueError(f"zip: URL path {path!r} does not name a member inside a .zip archive")
    return path[:index + 4], path[index + 5:]


def _working_dir(dm: Any, executor: str) -> str:
    working_dir = getattr(dm.dfk.executors[executor], "working_dir", None)
    if not working_dir:
        raise ValueError(f"zip file staging requires the executor {executor!r} to have a working_dir")
    return str(working_dir)


def _internal_app(dm: Any, func: Any) -> Any:
    from parsl.app.app import python_app

    return python_app(func, executors=["_parsl_internal"], data_flow_kernel=dm.dfk)


@contextlib.contextmanager
def _locked(zip_path: str) -> Iterator[None]:
    import fcntl

    os.makedirs(os.path.dirname(zip_path) or ".", exist_ok=True)
    with open(zip_path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _zip_stage_out(zip_path: str, inside_path: str, *, inputs: List[File], parent_fut: Any = None,
                   _parsl_staging_inhibit: bool = True) -> None:
    produced = inputs[0]
    with _locked(zip_path), zipfile.ZipFile(zip_path, mode="a", compression=zipfile.ZIP_DEFLATED) as z:
        z.write(produced, arcname=inside_path)
    os.remove(produced)


def _zip_stage_in(zip_path: str, inside_path: str, *, outputs: List[File], parent_fut: Any = None,
                  _parsl_staging_inhibit: bool = True) -> None:
    with _locked(zip_path), zipfile.ZipFile(zip_path, mode="r") as z:
        content = z.read(inside_path)
    target = os.fspath(outputs[0])
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    with open(target, "wb") as f:
        f.write(content)
