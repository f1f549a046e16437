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
from typing import TYPE_CHECKING, Any

from parsl.plugins import aliases as _aliases
from parsl.version import VERSION

__version__ = VERSION

AUTO_LOGNAME = -1

if TYPE_CHECKING:  # the core's names with their types, for type checkers; at run time each is imported on first use
    from parsl.app.app import bash_app as bash_app
    from parsl.app.app import join_app as join_app
    from parsl.app.app import python_app as python_app
    from parsl.config import Config as Config
    from parsl.data_provider.files import File as File
    from parsl.dataflow.dflow import DataFlowKernel as DataFlowKernel
    from parsl.dataflow.dflow import DataFlowKernelLoader as DataFlowKernelLoader
    from parsl.log_utils import set_file_logger as set_file_logger
    from parsl.log_utils import set_stream_logger as set_stream_logger

    load = DataFlowKernelLoader.load
    clear = DataFlowKernelLoader.clear
    dfk = DataFlowKernelLoader.dfk
    wait_for_current_tasks = DataFlowKernelLoader.wait_for_current_tasks

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
