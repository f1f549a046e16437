"""``AppBase``: what every kind of app shares (the function, its executors, caching options)."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from inspect import Parameter, signature
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Union

if TYPE_CHECKING:
    from parsl.dataflow.dflow import DataFlowKernel
    from parsl.dataflow.futures import AppFuture

#: Keyword arguments with a meaning to Parsl, taken from the function's defaults when not given.
SPECIAL_KWARGS = ("stdout", "stderr", "walltime", "parsl_resource_specification", "outputs", "inputs")


class AppBase(metaclass=ABCMeta):
    """An app: a function whose calls become tasks of a DataFlowKernel and return AppFutures."""

    def __init__(self, func: Callable, data_flow_kernel: Optional[DataFlowKernel] = None,
                 executors: Union[List[str], str] = "all", cache: bool = False,
                 ignore_for_cache: Optional[Sequence[str]] = None) -> None:
        _check_app_arguments(func, executors, cache, ignore_for_cache)
        self.__name__ = getattr(func, "__name__", type(func).__name__)
        self.__doc__ = getattr(func, "__doc__", None)
        self.func = func
        self.data_flow_kernel = data_flow_kernel
        self.executors = list(executors) if executors != "all" else "all"
        self.cache = cache
        self.ignore_for_cache = list(ignore_for_cache) if ignore_for_cache is not None else None
        params = parameters(func)
        self.kwargs: Dict[str, Any] = {k: params[k].default for k in SPECIAL_KWARGS if k in params}

    def _dfk(self) -> DataFlowKernel:
        if self.data_flow_kernel is not None:
            return self.data_flow_kernel
        from parsl.dataflow.dflow import DataFlowKernelLoader

        return DataFlowKernelLoader.dfk()

    @abstractmethod
    def __call__(self, *args: Any, **kwargs: Any) -> AppFuture:
        """Submit a task for this call and return its AppFuture."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__name__}>"


def parameters(func: Callable) -> Dict[str, Parameter]:
    """The parameters of ``func``'s signature by name; none for a builtin without a signature."""
    try:
        return dict(signature(func).parameters)
    except (TypeError, ValueError):  # builtins without a signature
        return {}


def _check_app_arguments(func: Any, executors: Any, cache: Any, ignore_for_cache: Any) -> None:
    if not callable(func):
        raise TypeError(f"an app must be made from a callable, not {type(func).__name__}: {func!r}")
    if executors != "all" and not (isinstance(executors, (list, tuple)) and executors
                                   and all(isinstance(e, str) for e in executors)):
        raise TypeError(f"executors must be 'all' or a non-empty list of executor labels, not {executors!r}")
    if not isinstance(cache, bool):
        raise TypeError(f"cache must be True or False, not {cache!r}")
    if ignore_for_cache is not None and (isinstance(ignore_for_cache, str) or not all(
            isinstance(k, str) for k in ignore_for_cache)):
        raise TypeError(f"ignore_for_cache must be a sequence of argument names, not {ignore_for_cache!r}")
