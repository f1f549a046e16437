"""Finding the monitoring database and run a command-line argument means.

``RUN_DIR|DB`` may be a SQLAlchemy URL, a database file, a config run directory holding
``monitoring.db`` (``runinfo``), or one run's directory inside it (``runinfo/003``), which selects
that run.
"""

from __future__ import annotations

import os
from typing import Optional

from parsl_monitoring.errors import DatabaseUnavailable

DB_NAME = "monitoring.db"


def locate(target: str) -> tuple[str, Optional[str]]:
    """(database URL, the run directory the argument names, if it names one)."""
    if "://" in target:
        return target, None
    path = os.path.abspath(target)
    if os.path.isfile(path):
        return f"sqlite:///{path}", None
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, DB_NAME)):
            return f"sqlite:///{os.path.join(path, DB_NAME)}", None
        parent = os.path.dirname(path)
        if os.path.isfile(os.path.join(parent, DB_NAME)):
            return f"sqlite:///{os.path.join(parent, DB_NAME)}", path
        raise DatabaseUnavailable(f"no {DB_NAME} in {path} or {parent}: was the workflow run with "
                                  f"Config(monitoring=MonitoringHub())?")
    raise DatabaseUnavailable(f"{target} does not exist (give a run directory, a monitoring.db file, "
                              f"or a database URL)")
