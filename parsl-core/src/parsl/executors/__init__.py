"""Executors: the built-in ThreadPoolExecutor and those of installed plugins (``HighThroughputExecutor``...).

``__all__`` holds the executors available now (see ``parsl.plugins.lazy``); Parsl's WorkQueue,
TaskVine, Flux, RADICAL-Pilot and Globus Compute executors are planned, and importing one says so.
"""

from parsl.plugins.lazy import module_getattr

#: Every executor a distribution of ours offers, under Parsl's class name.
EXPORTED = ("ThreadPoolExecutor", "HighThroughputExecutor", "MPIExecutor")

__getattr__ = module_getattr("executor", __name__, EXPORTED)
