"""The app decorators: ``python_app``, ``bash_app``, ``join_app`` (with or without parentheses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Union

from parsl.app.base import SPECIAL_KWARGS, AppBase
from parsl.dataflow.internal import INTERNAL_EXECUTOR

if TYPE_CHECKING:
    from parsl.dataflow.dflow import DataFlowKernel

__all__ = ["SPECIAL_KWARGS", "AppBase", "bash_app", "join_app", "python_app"]


def _decorator(make: Callable[[Callable], AppBase], function: Optional[Callable]) -> Any:
    if function is None:
        return make
    return make(function)


def python_app(function: Optional[Callable] = None, data_flow_kernel: Optional[DataFlowKernel] = None,
               cache: bool = False, executors: Union[List[str], str] = "all",
               ignore_for_cache: Optional[Sequence[str]] = None) -> Any:
    """Make ``function`` a Python app: each call runs it as a task on one of ``executors``.

    ``cache=True`` reuses the result of an identical earlier call (see memoization);
    ``ignore_for_cache`` names keyword arguments that do not count for that.
    """
    from parsl.app.python import PythonApp

    return _decorator(lambda f: PythonApp(f, data_flow_kernel=data_flow_kernel, cache=cache, executors=executors,
                                          ignore_for_cache=ignore_for_cache, join=False), function)


def join_app(function: Optional[Callable] = None, data_flow_kernel: Optional[DataFlowKernel] = None,
             cache: bool = False, ignore_for_cache: Optional[Sequence[str]] = None) -> Any:
    """Make ``function`` a join app: it runs on the internal executor and returns futures
    (one, or a list) whose results become its own result."""
    from parsl.app.python import PythonApp

    return _decorator(lambda f: PythonApp(f, data_flow_kernel=data_flow_kernel, cache=cache,
                                          executors=[INTERNAL_EXECUTOR], ignore_for_cache=ignore_for_cache,
                                          join=True), function)


def bash_app(function: Optional[Callable] = None, data_flow_kernel: Optional[DataFlowKernel] = None,
             cache: bool = False, executors: Union[List[str], str] = "all",
             ignore_for_cache: Optional[Sequence[str]] = None) -> Any:
    """Make ``function`` a Bash app: it returns a command line, which each task runs with bash."""
    from parsl.app.bash import BashApp

    return _decorator(lambda f: BashApp(f, data_flow_kernel=data_flow_kernel, cache=cache, executors=executors,
                                        ignore_for_cache=ignore_for_cache), function)
