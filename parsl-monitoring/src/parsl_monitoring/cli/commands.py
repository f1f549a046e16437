"""The ``parsl`` sub-commands this plugin adds (through the ``parsl_cli_commands`` hook)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

TARGET_HELP = "a run directory (runinfo or runinfo/003), a monitoring.db file or a database URL"


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = subparsers.add_parser("status", help="summarize a running or finished monitored workflow",
                                   description="Summarize a workflow recorded by MonitoringHub: tasks by "
                                               "state and by app, and failures.")
    status.add_argument("target", nargs="?", default="runinfo", metavar="RUN_DIR|DB", help=TARGET_HELP)
    status.add_argument("--run", metavar="RUN_ID", help="the run to show (default: the latest)")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    status.set_defaults(handler=_guard("status", _status))

    monitor = subparsers.add_parser("monitor", help="the monitoring dashboard and provenance export")
    sub = monitor.add_subparsers(dest="monitor_command", metavar="COMMAND")

    def monitor_usage(args: argparse.Namespace) -> int:
        monitor.print_help()
        return 2

    monitor.set_defaults(handler=monitor_usage)

    serve = sub.add_parser("serve", help="serve the web dashboard",
                           description="Serve the monitoring dashboard (all assets bundled; works offline).")
    serve.add_argument("target", nargs="?", default="runinfo", metavar="RUN_DIR|DB", help=TARGET_HELP)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", "-p", type=int, default=8080, help="port (default: 8080; 0 picks a free one)")
    serve.set_defaults(handler=_guard("monitor serve", _serve))

    export = sub.add_parser("export", help="export a run as a Workflow Run RO-Crate",
                            description="Write a Workflow Run RO-Crate (ro-crate-metadata.json) of one run.")
    export.add_argument("target", metavar="RUN_DIR|DB", help=TARGET_HELP)
    export.add_argument("--format", choices=["ro-crate"], default="ro-crate")
    export.add_argument("--run", metavar="RUN_ID", help="the run to export (default: the latest)")
    export.add_argument("--output", "-o", metavar="DIR",
                        help="directory for the crate (default: the run directory)")
    export.set_defaults(handler=_guard("monitor export", _export))

    load = sub.add_parser("import", help="write events that could not be recorded into a database",
                          description="Write the events a run saved to monitoring-unwritten.jsonl (because its "
                                      "database was unavailable) into a database.")
    load.add_argument("spill_file", metavar="FILE", help="a monitoring-unwritten.jsonl file")
    load.add_argument("--into", metavar="DB", required=True, help="a monitoring.db file, run directory or URL")
    load.set_defaults(handler=_guard("monitor import", _import))


def _guard(name: str, fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run a command, printing monitoring errors as one clear line instead of a traceback."""

    def handler(args: argparse.Namespace) -> int:
        from parsl_monitoring.errors import MonitoringError

        try:
            return fn(args)
        except MonitoringError as e:
            print(f"parsl {name}: {e}", file=sys.stderr)
            return 1

    return handler


def open_run(target: str, run_id: str | None) -> tuple[Any, str]:
    """Open the database ``target`` names and pick the run (the caller closes the store)."""
    from parsl_monitoring.locate import locate
    from parsl_monitoring.queries import Store

    url, rundir = locate(target)
    store = Store(url)
    try:
        return store, store.pick_run(run_id, rundir)
    except BaseException:
        store.close()
        raise


def _status(args: argparse.Namespace) -> int:
    from parsl_monitoring.status import render_status, status_summary

    store, run_id = open_run(args.target, args.run)
    with store:
        summary = status_summary(store, run_id)
    if args.json:
        import json

        print(json.dumps(summary, default=str, indent=2))
    else:
        print(render_status(summary))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from parsl_monitoring.dashboard.server import serve
    from parsl_monitoring.locate import locate

    url, _ = locate(args.target)
    return serve(url, host=args.host, port=args.port)


def _import(args: argparse.Namespace) -> int:
    from parsl_monitoring.db import url_for
    from parsl_monitoring.writer import import_spill

    writer = import_spill(args.spill_file, url_for(args.into))
    print(f"imported {writer.written} events" + (f"; {writer.spilled} could not be written ({writer.error}), "
                                                 f"saved to {writer.spill_path}" if writer.spilled else ""))
    return 1 if writer.spilled else 0


def _export(args: argparse.Namespace) -> int:
    import os

    from parsl_monitoring.rocrate import write_crate

    store, run_id = open_run(args.target, args.run)
    with store:
        out = args.output or store.workflow(run_id)["rundir"]
        path = write_crate(store, run_id, out)
    print(f"wrote {os.path.relpath(path)}")
    return 0
