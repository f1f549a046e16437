"""Executors: the built-in ThreadPoolExecutor and those of installed plugins (``HighThroughputExecutor``...)."""

from parsl.plugins.lazy import module_getattr

__all__ = ["ThreadPoolExecutor", "HighThroughputExecutor", "MPIExecutor"]

__getattr__ = module_getattr("executor", __name__)
