"""Zip-file staging: ``zip:/path/to/archive.zip/inside/name.txt`` names a member of an archive.

Stage-out runs the app against a file in the executor's ``working_dir``, then puts it in the
archive (creating it if needed; a member staged out again replaces the old one, rewriting the
archive through a partial file). Stage-in extracts the member into ``working_dir`` through a
partial file renamed into place, so a failed extraction never leaves a file that looks complete.
Both run as staging tasks on the internal executor and hold an exclusive lock on
``<archive>.lock`` (``fcntl.flock``), so concurrent tasks and processes do not corrupt the
archive. Every failure (missing member, corrupt archive, I/O error) is a ``StagingError``
naming the ``zip:`` URL and the cause.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import zipfile
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Tuple

from parsl.data_provider.atomic_files import partial_path, remove_if_present
from parsl.data_provider.files import File
from parsl.data_provider.local_paths import working_dir_of
from parsl.data_provider.staging import Staging
from parsl.data_provider.staging_errors import StagingError, describe
from parsl.errors import ParslError
from parsl.plugins.settings import settings

if TYPE_CHECKING:
    from parsl.plugins.protocols import DataManagerView


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

    def stage_out(self, dm: DataManagerView, executor: str,
                  file: File, parent_fut: Optional[Future]) -> Optional[Future]:
        zip_path, inside_path = zip_path_split(file.path)
        file.local_path = os.path.join(_working_dir(dm, executor), inside_path)
        os.makedirs(os.path.dirname(file.local_path), exist_ok=True)
        return dm.submit_staging_task(_zip_stage_out, zip_path, inside_path, inputs=[file],
                                      parent_fut=parent_fut)

    def stage_in(self, dm: DataManagerView, executor: str,
                 file: File, parent_fut: Optional[Future]) -> Optional[Future]:
        zip_path, inside_path = zip_path_split(file.path)
        file.local_path = os.path.join(_working_dir(dm, executor), inside_path)
        return dm.stage_in_task(file, parent_fut, _zip_stage_in, zip_path, inside_path)


def zip_path_split(path: str) -> Tuple[str, str]:
    """Split ``/a/b.zip/c/d.txt`` into the archive path and the member path."""
    index = path.find(".zip/")
    if index < 0:
        raise ValueError(f"zip: URL path {path!r} does not name a member inside a .zip archive")
    return path[:index + 4], path[index + 5:]


def _working_dir(dm: DataManagerView, executor: str) -> str:
    working_dir = working_dir_of(dm, executor)
    if not working_dir:
        raise ValueError(f"zip file staging requires the executor {executor!r} to have a working_dir")
    return str(working_dir)


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


@contextlib.contextmanager
def _staging_errors(file: File, zip_path: str, inside_path: str, direction: str) -> Iterator[None]:
    """Turn what zipfile and the file system raise into a ``StagingError`` for ``file``."""
    try:
        yield
    except StagingError:
        raise
    except KeyError:
        raise StagingError(file.url, f"no member {inside_path!r} in archive {zip_path}", direction) from None
    except zipfile.BadZipFile as e:
        raise StagingError(file.url, f"{zip_path} is not a valid zip archive: {e}", direction) from None
    except (OSError, zipfile.LargeZipFile, RuntimeError, ValueError) as e:
        raise StagingError(file.url, describe(e), direction) from None


def _zip_stage_out(zip_path: str, inside_path: str, *, inputs: List[File], parent_fut: Any = None) -> None:
    produced = inputs[0]
    with _staging_errors(produced, zip_path, inside_path, "out"), _locked(zip_path):
        if not os.path.isfile(produced):
            raise StagingError(produced.url, f"the task did not produce {os.fspath(produced)}", "out")
        if os.path.exists(zip_path) and _has_member(zip_path, inside_path):
            _replace_member(zip_path, inside_path, os.fspath(produced))
        else:
            with zipfile.ZipFile(zip_path, mode="a", compression=zipfile.ZIP_DEFLATED) as z:
                z.write(produced, arcname=inside_path)
    os.remove(produced)


def _has_member(zip_path: str, inside_path: str) -> bool:
    with zipfile.ZipFile(zip_path) as z:
        return inside_path in z.NameToInfo


def _replace_member(zip_path: str, inside_path: str, source: str) -> None:
    """Rewrite the archive without the old ``inside_path``, add ``source`` as it, rename into place.

    Zip archives cannot drop an entry in place, and appending again would leave two.
    """
    tmp = partial_path(zip_path)
    try:
        with zipfile.ZipFile(zip_path) as old, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as new:
            for info in old.infolist():
                if info.filename != inside_path:
                    with old.open(info) as src, new.open(info, "w") as dst:
                        shutil.copyfileobj(src, dst)
            new.write(source, arcname=inside_path)
        os.replace(tmp, zip_path)
    finally:
        remove_if_present(tmp)


def _zip_stage_in(zip_path: str, inside_path: str, parent_fut: Any = None, *, outputs: List[File]) -> None:
    file = outputs[0]
    target = os.fspath(file)
    tmp = partial_path(target)
    try:
        with _staging_errors(file, zip_path, inside_path, "in"):
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            with _locked(zip_path), zipfile.ZipFile(zip_path, mode="r") as z, z.open(inside_path) as src, \
                    open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(tmp, target)
    finally:
        remove_if_present(tmp)
