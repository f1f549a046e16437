"""``parsl run [--config FILE] script.py [ARGS...]``: run a workflow script under a loaded config."""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from typing import Any

from parsl.errors import ConfigurationError


def run(args: argparse.Namespace) -> int:
    import parsl
    from parsl.config import Config

    if not os.path.isfile(args.script):
        print(f"parsl run: no such script: {args.script}", file=sys.stderr)
        return 2
    try:
        config = parsl.config.load_config_file(args.config) if args.config else Config()
    except ConfigurationError as e:
        print(str(e), file=sys.stderr)
        return 1
    # Monitor plugins that draw live progress (parsl-monitoring) show it for `parsl run` by default.
    os.environ.setdefault("PARSL_PROGRESS", "1")
    sys.argv = [args.script, *args.args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(args.script)))
    with parsl.load(config):
        runpy.run_path(args.script, run_name="__main__")
    return 0


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run", help="run a workflow script with a config loaded (default: local threads)",
        description="Load the config (or the default: local threads), run the script as __main__, "
                    "then clean up. The script uses apps and futures; it must not call parsl.load itself.")
    p.add_argument("--config", "-c", metavar="FILE", help="a TOML or YAML config file")
    p.add_argument("script")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    p.set_defaults(handler=run)
