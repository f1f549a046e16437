"""Parsl: parallel scripting in Python, as a minimal core plus plugins.

    import parsl
    from parsl import python_app

    @python_app
    def double(x):
        return 2 * x

    with parsl.load():
        print(double(21).result())

Names are imported on first use so that ``import parsl`` stays cheap; executors, providers and
monitoring come from whichever plugin distributions are installed.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from parsl.plugins import aliases as _aliases
from parsl.version import VERSION

__version__ = VERSION

AUTO_LOGNAME = -1

_LAZY = {
    "python_app": "parsl.app.app",
    "bash_app": "parsl.app.app",
    "join_app": "parsl.app.app",
    "Config": "parsl.config",
    "File": "parsl.data_provider.files",
    "DataFlowKernel": "parsl.dataflow.dflow",
    "DataFlowKernelLoader": "parsl.dataflow.dflow",
    "set_stream_logger": "parsl.log_utils",
    "set_file_logger": "parsl.log_utils",
    "ThreadPoolExecutor": "parsl.executors",
    "HighThroughputExecutor": "parsl.executors",
    "MPIExecutor": "parsl.executors",
    "MonitoringHub": "parsl.monitoring",
    "WorkQueueExecutor": "parsl.executors",
}
_LOADER = {"load", "clear", "dfk", "wait_for_current_tasks"}

#: What ``__all__`` may hold; it holds those that import now, so ``from parsl import *`` never raises.
_EXPORTED = sorted(["AUTO_LOGNAME", "VERSION", "__version__", *_LAZY, *_LOADER])


def __getattr__(name: str) -> Any:
    if name == "__all__":
        from parsl.plugins.lazy import available_names

        return available_names(__name__, _EXPORTED)
    if name in _LOADER:
        from parsl.dataflow.dflow import DataFlowKernelLoader

        return getattr(DataFlowKernelLoader, name)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'parsl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return _EXPORTED


_aliases.install()
logging.getLogger("parsl").addHandler(logging.NullHandler())
