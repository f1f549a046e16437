"""Numbered run directories: ``runinfo/000``, ``runinfo/001``, ..."""

from __future__ import annotations

import os


def make_rundir(path: str) -> str:
    """Create the next numbered directory under ``path`` and return its absolute path.

    The number is one more than the highest existing numbered entry, so a removed run never
    gets its number reused by accident while later runs exist.
    """
    os.makedirs(path, exist_ok=True)
    numbers = [int(name) for name in os.listdir(path) if name.isdigit()]
    n = max(numbers) + 1 if numbers else 0
    while True:
        candidate = os.path.join(path, f"{n:03}")
        try:
            os.makedirs(candidate)
        except FileExistsError:  # another process took this number first
            n += 1
            continue
        return os.path.abspath(candidate)
