"""Where a staged file lives next to the task: the executor's ``working_dir``, maybe a sandbox."""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

from parsl.data_provider.atomic_files import remove_if_present

if TYPE_CHECKING:
    from parsl.data_provider.files import File
    from parsl.plugins.protocols import DataManagerView

_SANDBOX_PREFIX = "parsl-sandbox-"


def working_dir_of(dm: DataManagerView, executor: str) -> str | None:
    """The ``working_dir`` of the executor labelled ``executor``, if it has one."""
    return getattr(dm.dfk.executors[executor], "working_dir", None)


def set_local_path(dm: DataManagerView, executor: str, file: File, *, sandbox: bool = False) -> str:
    """Decide where ``file`` lives next to the task and record it as ``file.local_path``.

    It is ``<working_dir>/<filename>`` (relative to the worker's directory without a
    ``working_dir``), as in Parsl. With ``sandbox``, a fresh ``parsl-sandbox-<id>/`` directory
    is put in between, so that tasks on a worker without a shared file system never collide.
    """
    parts = [working_dir_of(dm, executor) or ""]
    if sandbox:
        parts.append(f"{_SANDBOX_PREFIX}{uuid.uuid4().hex}")
    file.local_path = os.path.join(*parts, file.filename)
    return file.local_path


def remove_sandbox_file(path: str) -> None:
    """Remove a staged file and its ``parsl-sandbox-*`` directory once empty."""
    remove_if_present(path)
    parent = os.path.dirname(path)
    if os.path.basename(parent).startswith(_SANDBOX_PREFIX):
        try:
            os.rmdir(parent)
        except OSError:
            pass
