"""``parsl-visualize``: Parsl's command for the monitoring dashboard, with Parsl's arguments."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="parsl-visualize", description="Serve the Parsl monitoring dashboard.")
    parser.add_argument("db_path", nargs="?", default=f"sqlite:///{os.getcwd()}/runinfo/monitoring.db",
                        help="database URL, monitoring.db file or run directory (default: ./runinfo/monitoring.db)")
    parser.add_argument("-p", "--port", type=int, default=8080, help="port (default: 8080)")
    parser.add_argument("-d", "--debug", action="store_true", help="log every request")
    parser.add_argument("-l", "--listen", default="127.0.0.1", metavar="ADDRESS",
                        help="address to listen on (default: 127.0.0.1; 0.0.0.0 listens on all)")
    args = parser.parse_args(argv)
    from parsl_monitoring.dashboard.server import serve
    from parsl_monitoring.errors import MonitoringError
    from parsl_monitoring.locate import locate

    try:
        url, _ = locate(args.db_path)
        return serve(url, host=args.listen, port=args.port, debug=args.debug)
    except MonitoringError as e:
        print(f"parsl-visualize: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
