"""The ``parsl`` entry point of parsl-executor-htex: registers the executors and Parsl's module path.

Registration imports only the executor modules, which import neither zmq nor dill: those load
when an executor starts.
"""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_executors(register: Register) -> None:
    from parsl_executor_htex.executor import HighThroughputExecutor
    from parsl_executor_htex.mpi_executor import MPIExecutor

    register(HighThroughputExecutor, name="htex")
    register(MPIExecutor, name="mpi")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    # parsl.curvezmq lives here because it needs zmq, which ``import parsl`` must not load
    return {"parsl.executors.high_throughput": "parsl_executor_htex", "parsl.curvezmq": "parsl_executor_htex.curvezmq"}
