"""Files that appear complete or not at all: written under a hidden partial name, then renamed."""

from __future__ import annotations

import os
import shutil
import uuid

#: Part of every partial file's name, so that readers of a directory can skip them.
PARTIAL_MARKER = ".parsl-partial-"


def partial_path(dest: str) -> str:
    """A unique hidden name next to ``dest`` that never looks like the finished file."""
    head, tail = os.path.split(dest)
    return os.path.join(head, f".{tail}{PARTIAL_MARKER}{uuid.uuid4().hex}")


def install_atomically(src: str, dest: str, *, move: bool = False) -> None:
    """Put a copy of ``src`` (or ``src`` itself, if ``move``) at ``dest`` in one rename."""
    os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
    tmp = partial_path(dest)
    try:
        if move:
            os.replace(src, tmp)
        else:
            shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    finally:
        remove_if_present(tmp)


def remove_if_present(path: str) -> None:
    """Remove the file ``path``; that it is already gone is fine."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
