"""The JSON state file of a cloud provider: what it created, so a later run can find and clean it up.

The file is replaced in one rename on every write, so a run killed mid-write leaves the previous
complete state, never a truncated file.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional

from parsl.data_provider.atomic_files import partial_path, remove_if_present
from parsl.errors import ConfigurationError


class StateFile:
    """A JSON object on disk; ``path=None`` keeps no file (reads are empty, writes do nothing)."""

    def __init__(self, path: Optional[str]):
        self.path = os.path.abspath(os.path.expanduser(path)) if path else None

    def read(self) -> Dict[str, Any]:
        """The saved state; ``{}`` when there is no file yet. A corrupt file is an error naming it."""
        if self.path is None or not os.path.exists(self.path):
            return {}
        try:
            with open(self.path) as f:
                state = json.load(f)
        except (OSError, ValueError) as e:
            raise ConfigurationError(f"cannot read the cloud provider state file {self.path}: {e}") from e
        if not isinstance(state, dict):
            raise ConfigurationError(f"the cloud provider state file {self.path} does not hold a JSON object")
        return state

    def write(self, state: Dict[str, Any]) -> None:
        """Replace the file's content with ``state`` in one rename."""
        if self.path is None:
            return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        tmp = partial_path(self.path)
        try:
            with open(tmp, "w") as f:
                json.dump(state, f, indent=2, sort_keys=True)
            os.replace(tmp, self.path)
        finally:
            remove_if_present(tmp)
