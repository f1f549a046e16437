"""Python apps, and ``timeout``: the ``walltime`` of a Python app."""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Union

from parsl.app.base import AppBase
from parsl.app.errors import wrap_error
from parsl.dataflow.dflow import DataFlowKernelLoader

if TYPE_CHECKING:
    from parsl.dataflow.dflow import DataFlowKernel
    from parsl.dataflow.futures import AppFuture


def timeout(f: Callable, seconds: float) -> Callable:
    """Wrap ``f`` so that ``AppTimeout`` is raised in its thread after ``seconds``.

    The exception is delivered between Python bytecodes: a call blocked in C (a long
    ``time.sleep``, a socket read) is interrupted only when it returns.
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import ctypes

        from parsl.app.errors import AppTimeout

        thread_id = threading.get_ident()
        lock = threading.Lock()
        running = [True]

        def inject() -> None:
            with lock:  # never after the call has returned: the exception would escape the app
                if running[0]:
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                                               ctypes.py_object(AppTimeout))

        timer = threading.Timer(seconds, inject)
        timer.daemon = True
        timer.start()
        try:
            return f(*args, **kwargs)
        finally:
            with lock:
                running[0] = False
            timer.cancel()

    return wrapper


class PythonApp(AppBase):
    """A Python function as an app (and, with ``join=True``, a join app)."""

    def __init__(self, func: Callable, data_flow_kernel: Optional[DataFlowKernel] = None, cache: bool = False,
                 executors: Union[List[str], str] = "all", ignore_for_cache: Optional[Sequence[str]] = None,
                 join: bool = False) -> None:
        super().__init__(func, data_flow_kernel=data_flow_kernel, executors=executors, cache=cache,
                         ignore_for_cache=ignore_for_cache)
        self.wrapped = wrap_error(func)
        self.join = join

    def __call__(self, *args: Any, **kwargs: Any) -> AppFuture:
        if self.kwargs:
            invocation = dict(self.kwargs)
            invocation.update(kwargs)
        else:
            invocation = kwargs
        func = self.wrapped
        walltime = invocation.get("walltime")
        if walltime is not None:
            func = wrap_error(timeout(self.func, walltime))
        dfk = self.data_flow_kernel or DataFlowKernelLoader._dfk or DataFlowKernelLoader.dfk()
        return dfk.submit(func, app_args=args, executors=self.executors, cache=self.cache,
                                  ignore_for_cache=self.ignore_for_cache, app_kwargs=invocation, join=self.join)
