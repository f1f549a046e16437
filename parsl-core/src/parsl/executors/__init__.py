"""Executors: the built-in ThreadPoolExecutor and those of installed plugins (``HighThroughputExecutor``...).

``__all__`` holds the executors available now (see ``parsl.plugins.lazy``); Parsl's WorkQueue,
TaskVine, Flux and RADICAL-Pilot executors are planned, and importing one says so.
"""

from parsl.plugins.lazy import module_getattr

#: Every executor a distribution of ours offers, under Parsl's class name.
EXPORTED = ("ThreadPoolExecutor", "HighThroughputExecutor", "MPIExecutor", "GlobusComputeExecutor", "DaskExecutor",
            "RayExecutor")

__getattr__ = module_getattr("executor", __name__, EXPORTED)
