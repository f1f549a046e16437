"""``parsl config check|show FILE``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from parsl.configfile import dumps, file_format, load_config_file
from parsl.errors import ConfigurationError


def check(args: argparse.Namespace) -> int:
    try:
        config = load_config_file(args.file)
    except ConfigurationError as e:
        print(str(e), file=sys.stderr)
        return 1
    executors = ", ".join(f"{e.label} ({type(e).__name__})" for e in config.executors)
    print(f"{args.file}: OK; executors: {executors}")
    return 0


def show(args: argparse.Namespace) -> int:
    try:
        config = load_config_file(args.file)
        print(dumps(config, args.format or file_format(args.file)), end="")
    except ConfigurationError as e:
        print(str(e), file=sys.stderr)
        return 1
    return 0


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("config", help="check or show a TOML/YAML config file")
    sub = p.add_subparsers(dest="config_command", required=True)
    c = sub.add_parser("check", help="validate a config file; report every problem with its key path")
    c.add_argument("file")
    c.set_defaults(handler=check)
    s = sub.add_parser("show", help="print the config as loaded, defaults omitted")
    s.add_argument("file")
    s.add_argument("--format", choices=["toml", "yaml"], help="output format (default: the file's own)")
    s.set_defaults(handler=show)
