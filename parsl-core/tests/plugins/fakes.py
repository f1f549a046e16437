"""Small plugin classes and plugin modules for testing the plugin system without real plugins."""

from __future__ import annotations

import types
from concurrent.futures import Future
from typing import Any, Optional, Sequence, Union

import attrs

from parsl.executors.base import ParslExecutor
from parsl.jobs.states import JobState, JobStatus
from parsl.launchers.base import Launcher
from parsl.plugins import hookimpl
from parsl.plugins.settings import settings
from parsl.providers.base import ExecutionProvider


@settings
class EchoLauncher(Launcher):
    debug: bool = True
    prefix: str = "echo"

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        return f"{self.prefix} {command}"


@settings
class FakeProvider(ExecutionProvider):
    partition: Optional[str] = None
    nodes_per_block: int = 1
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 1
    walltime: str = "00:10:00"
    launcher: Launcher = attrs.Factory(EchoLauncher)

    label = "fake"
    status_polling_interval = 1

    def submit(self, command: str, tasks_per_node: int, job_name: str = "parsl.auto") -> Any:
        return "1"

    def status(self, job_ids: Sequence[Any]) -> Sequence[JobStatus]:
        return [JobStatus(JobState.COMPLETED) for _ in job_ids]

    def cancel(self, job_ids: Sequence[Any]) -> Sequence[bool]:
        return [True for _ in job_ids]


@settings
class FakeExecutor(ParslExecutor):
    label: str = "fake"
    provider: ExecutionProvider = attrs.Factory(FakeProvider)
    max_workers: float = 1.0
    worker_port_range: tuple[int, int] = (54000, 55000)
    max_workers_per_node: Optional[Union[int, float]] = None

    def submit(self, func: Any, resource_specification: Any, *args: Any, **kwargs: Any) -> Future:
        f: Future = Future()
        f.set_result(func(*args, **kwargs))
        return f

    def shutdown(self) -> None:
        pass


def plugin_module(name: str, api: Optional[str] = ">=1.0,<2", **hooks: Any) -> types.ModuleType:
    """A plugin module called ``name`` with the given hook functions."""
    module = types.ModuleType(name)
    if api is not None:
        module.PARSL_PLUGIN_API = api  # type: ignore[attr-defined]
    for hook_name, fn in hooks.items():
        setattr(module, hook_name, hookimpl(fn))
    return module


def fake_plugins() -> types.ModuleType:
    """One plugin offering the fake executor, provider and launcher."""
    return plugin_module(
        "fake_plugin",
        parsl_register_executors=lambda register: register(FakeExecutor, name="fake"),
        parsl_register_providers=lambda register: register(FakeProvider, name="fakeprov", aliases=("fp",)),
        parsl_register_launchers=lambda register: register(EchoLauncher, name="echo"),
    )
