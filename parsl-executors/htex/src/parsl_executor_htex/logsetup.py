"""Logging of the interchange, worker pools and workers, which run outside the user's process.

Each logs to ``<log_dir>/<name>.log`` (Parsl's names: ``interchange``, ``manager``,
``worker_<rank>``), or, when the workflow's ``Config.initialize_logging`` is a ``LogConfig``,
through that configuration, which travels pickled to each process.
"""

from __future__ import annotations

import logging
import os
import pathlib
import pickle
from typing import Optional

from parsl.logconfigs.base import LogConfig, oneshot_initialize_logging

#: Parent of every logger of these processes, so that a ``LogConfig`` (which configures the
#: ``parsl`` logger) receives their records; the names are Parsl's.
LOGGER_PREFIX = "parsl.executors.high_throughput"
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def start_logging(log_dir: str, name: str, log_config: Optional[LogConfig], level: int) -> None:
    """Set up this process's logging: ``log_config`` if given, else ``<log_dir>/<name>.log`` at ``level``."""
    if log_config is not None:
        oneshot_initialize_logging(log_config=log_config, log_dir=pathlib.Path(log_dir), log_name=name)
        return
    os.makedirs(log_dir, exist_ok=True)
    logging.basicConfig(filename=os.path.join(log_dir, f"{name}.log"), level=level, format=FORMAT)


def load_log_config(path: Optional[str]) -> Optional[LogConfig]:
    """The ``LogConfig`` pickled at ``path`` (``None`` or ``"None"``: there is none)."""
    if not path or path == "None":
        return None
    with open(path, "rb") as f:
        config = pickle.load(f)
    if not isinstance(config, LogConfig):
        raise TypeError(f"{path} holds a {type(config).__name__}, not a parsl.logconfigs.LogConfig")
    return config


def save_log_config(log_config: LogConfig, log_dir: str) -> str:
    """Pickle ``log_config`` into ``<log_dir>/log_config/log_config.pkl`` (private); return the path."""
    folder = os.path.join(log_dir, "log_config")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    path = os.path.join(folder, "log_config.pkl")
    with open(path, "wb") as f:
        pickle.dump(log_config, f)
    return path
