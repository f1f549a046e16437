"""The Protocols plugins are typed against describe what the core really hands them.

mypy checks the classes against the Protocols; these tests check the objects at run time, with
the values a plugin relies on (a run directory that exists, executors under their labels).
"""

from __future__ import annotations

import os
from typing import Any, List, Sequence

from parsl.config import Config
from parsl.data_provider.files import File
from parsl.data_provider.replicas import ReplicaRegistry
from parsl.data_provider.site_moves import Routes
from parsl.executors.base import ParslExecutor
from parsl.plugins.monitor import Monitor
from parsl.plugins.protocols import DataFlowKernelView, DataManagerView


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


def test_stagers_are_handed_a_data_manager_with_every_member_of_its_view(dfk: Any) -> None:
    dm = dfk.data_manager
    assert members(DataManagerView) == ["dfk", "record_transfer", "replicas", "routes", "site_store",
                                        "stage_in_task", "submit_staging_task"]
    assert dm.dfk is dfk
    assert isinstance(dm.replicas, ReplicaRegistry) and isinstance(dm.routes, Routes)
    assert callable(dm.record_transfer) and callable(dm.site_store)
    assert dm.submit_staging_task(pow, 2, 10).result(timeout=60) == 1024
    staged = File("file:///tmp/staged-by-a-fake-fetch")
    assert dm.stage_in_task(staged, None, fake_fetch, "token").result(timeout=60) is staged


def fake_fetch(token: str, parent_fut: Any = None, outputs: Sequence[File] = ()) -> None:
    assert token == "token" and parent_fut is None and len(outputs) == 1
