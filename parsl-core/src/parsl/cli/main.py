"""Entry point of the ``parsl`` command: every sub-command comes from a ``parsl_cli_commands`` hook.

The core's own commands (``run``, ``plugins``, ``config``) are added by the core's plugin
(``parsl.plugins.builtin``) through the same hook as any plugin's.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from parsl.version import VERSION


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parsl", description="Parsl: parallel scripting in Python.")
    parser.add_argument("--version", action="version", version=f"parsl-core {VERSION}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    from parsl.plugins.manager import get_plugin_manager

    manager = get_plugin_manager()
    for impl in manager.hook.parsl_cli_commands.get_hookimpls():
        try:
            impl.function(subparsers=subparsers)
        except Exception as e:  # a broken plugin must not take the command down
            print(f"parsl: plugin {impl.plugin_name!r} failed to add its commands: {e}", file=sys.stderr)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return int(handler(args))


if __name__ == "__main__":
    sys.exit(main())
