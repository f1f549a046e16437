"""Entry point of the ``parsl`` command; sub-commands live in their own modules, plugins add more."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from parsl.cli import config_cmd, plugins_cmd, run_cmd
from parsl.version import VERSION


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parsl", description="Parsl: parallel scripting in Python.")
    parser.add_argument("--version", action="version", version=f"parsl-core {VERSION}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (run_cmd, plugins_cmd, config_cmd):
        module.add_parser(subparsers)
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
