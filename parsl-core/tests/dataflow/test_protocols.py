"""The Protocols plugins are typed against describe what the core really hands them.

mypy checks the classes against the Protocols; these tests check the objects at run time, with
the values a plugin relies on (a run directory that exists, executors under their labels).
"""

from __future__ import annotations

import os
from typing import Any, List

from parsl.config import Config
from parsl.executors.base import ParslExecutor
from parsl.plugins.monitor import Monitor
from parsl.plugins.protocols import DataFlowKernelView


def members(protocol: type) -> List[str]:
    return sorted(name for name in vars(protocol) if not name.startswith("_"))


class Keeper(Monitor):
    """Keeps the DataFlowKernel it is started with."""

    def __init__(self) -> None:
        self.dfk: Any = None

    def start(self, dfk: DataFlowKernelView) -> None:
        self.dfk = dfk


def test_a_monitor_is_started_with_every_member_of_the_dataflow_kernel_view(make_dfk: Any) -> None:
    keeper = Keeper()
    make_dfk(monitoring=keeper)
    view = keeper.dfk
    assert members(DataFlowKernelView) == ["config", "executors", "run_dir", "run_id", "workflow_name",
                                           "workflow_version"]
    assert isinstance(view.run_id, str) and view.run_id
    assert os.path.isdir(view.run_dir)
    assert isinstance(view.config, Config) and view.config.monitoring is keeper
    assert view.executors and all(isinstance(e, ParslExecutor) and e.label == label
                                  for label, e in view.executors.items())
    assert isinstance(view.workflow_name, str) and isinstance(view.workflow_version, str)
