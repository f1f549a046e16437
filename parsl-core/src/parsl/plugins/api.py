"""The versioned plugin API.

The core offers plugin API ``PLUGIN_API_VERSION`` (major.minor). A plugin module declares which
versions it works with as ``PARSL_PLUGIN_API``, a comma-separated list of comparisons such as
``">=1.0,<2"``. The major version changes when a hook or base class changes incompatibly; the
minor version when hooks are added.
"""

from __future__ import annotations

import operator
import re
from typing import Any, Callable

PLUGIN_API_VERSION = "1.2"

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq,
    "!=": operator.ne, ">": operator.gt, "<": operator.lt,
}
_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+)(?:\.(\d+))?\s*$")


def _version(major: str, minor: str | None) -> tuple[int, int]:
    return (int(major), int(minor or 0))


def check_api_range(declared: object, offered: str = PLUGIN_API_VERSION) -> str | None:
    """Return why a plugin declaring ``declared`` cannot load on this core, or None if it can."""
    if declared is None:
        return (f"the plugin does not declare PARSL_PLUGIN_API (this core offers plugin API "
                f"{offered}; add e.g. PARSL_PLUGIN_API = '>={offered.split('.')[0]}.0' to the module)")
    if not isinstance(declared, str):
        return f"PARSL_PLUGIN_API must be a string such as '>=1.0,<2', not {declared!r}"
    have = _version(*offered.split("."))
    for clause in declared.split(","):
        m = _CLAUSE.match(clause)
        if not m:
            return f"PARSL_PLUGIN_API {declared!r} is not a valid range (expected e.g. '>=1.0,<2')"
        op, major, minor = m.groups()
        if not _OPS[op](have, _version(major, minor)):
            return (f"plugin API mismatch: the plugin supports {declared!r}, "
                    f"this parsl-core offers plugin API {offered}")
    return None
