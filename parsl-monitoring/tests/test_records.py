"""Task snapshots: the stdout/stderr column holds the file name whatever form the app was given."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from parsl.data_provider.files import File
from parsl_monitoring.records import static_columns


class BytesPath(os.PathLike):
    def __fspath__(self) -> bytes:
        return b"bytes.txt"


@pytest.mark.parametrize("spec,expected", [
    (None, ""), ("a.txt", "a.txt"), (("t.txt", "w"), "t.txt"), (Path("p.txt"), "p.txt"),
    (BytesPath(), "bytes.txt"), ((Path("q.txt"), "w"), "q.txt"), (File("file:///tmp/f"), "file:///tmp/f"),
])
def test_std_stream_column_is_the_file_name(spec: object, expected: str) -> None:
    assert static_columns({"kwargs": {"stdout": spec}})["task_stdout"] == expected
