"""Parsl values <-> CWL values: a Parsl ``File`` is a CWL ``File`` object, both ways."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlparse

from parsl.data_provider.files import File


def to_cwl(value: Any) -> Any:
    """A job-order value: Files (and Files inside lists and mappings) become CWL File objects."""
    if isinstance(value, File):
        location = value.url if value.scheme not in ("", "file") else os.path.abspath(value.filepath)
        return {"class": "File", "location": location}
    if isinstance(value, os.PathLike):
        return {"class": "File", "location": os.path.abspath(os.fspath(value))}
    if isinstance(value, dict):
        return {key: to_cwl(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_cwl(item) for item in value]
    return value


def from_cwl(value: Any) -> Any:
    """An output-object value: CWL File objects become Parsl Files of their local path."""
    if isinstance(value, dict):
        if value.get("class") == "File":
            return File(value.get("path") or _path(value["location"]))
        return {key: from_cwl(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_cwl(item) for item in value]
    return value


def _path(location: str) -> str:
    parsed = urlparse(location)
    return unquote(parsed.path) if parsed.scheme in ("", "file") else location
