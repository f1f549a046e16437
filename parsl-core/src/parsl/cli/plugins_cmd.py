"""``parsl plugins``: what is installed, what each plugin offers, what failed to load."""

from __future__ import annotations

import argparse
import json
from typing import Any

from parsl.plugins.manager import PluginManager, get_plugin_manager


def report(manager: PluginManager) -> dict[str, Any]:
    """Everything ``parsl plugins`` shows, as plain data."""
    return {
        "plugins": [
            {"kind": r.kind, "name": r.name, "names": list(r.names),
             "class": f"{r.cls.__module__}.{r.cls.__qualname__}", "plugin": r.plugin.name,
             "distribution": r.plugin.distribution, "version": r.plugin.version}
            for r in manager.registrations()
        ],
        "broken": [{"plugin": b.name, "distribution": b.distribution, "version": b.version, "error": b.error}
                   for b in manager.broken],
        "conflicts": [c.message() for c in manager.conflicts.values()],
        "blocked": list(manager.blocked),
    }


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def run(args: argparse.Namespace) -> int:
    data = report(get_plugin_manager())
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    rows = [["KIND", "NAMES", "DISTRIBUTION", "VERSION"]]
    rows += [[p["kind"], ", ".join(p["names"]), p["distribution"], p["version"]] for p in data["plugins"]]
    print(_table(rows))
    for b in data["broken"]:
        print(f"\nFAILED TO LOAD: plugin {b['plugin']!r} from {b['distribution']} {b['version']}: {b['error']}")
    for message in data["conflicts"]:
        print(f"\nCONFLICT: {message}")
    for name in data["blocked"]:
        print(f"\nBLOCKED: plugin {name!r} (PARSL_BLOCK_PLUGINS)")
    return 0


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("plugins", help="list installed plugins, and any that failed to load")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=run)
