"""Errors shared by the whole of Parsl.

Hierarchy::

    ParslError
    ├── ConfigurationError
    │   ├── ConfigFileError          (a config file's value, key or plugin name is wrong)
    │   ├── TypeCheckError           (also a TypeError: a keyword of the wrong type)
    │   └── PluginNotFound           (also an ImportError: a plugin not installed or not loadable)
    ├── OptionalModuleMissing
    ├── InternalConsistencyError
    ├── NoDataFlowKernelError
    └── NoStagingProvider            (also a ValueError: no staging provider for a File's scheme)
"""

from __future__ import annotations

from typing import Sequence


class ParslError(Exception):
    """Base class for every error raised by Parsl itself."""


class ConfigurationError(ParslError):
    """A configuration is not valid."""


class OptionalModuleMissing(ParslError):
    """A feature needs a module that is not installed."""

    def __init__(self, module_names: Sequence[str], reason: str):
        self.module_names = list(module_names)
        self.reason = reason
        super().__init__(module_names, reason)

    def __str__(self) -> str:
        return (f"The functionality requested requires missing optional modules {self.module_names}, "
                f"because: {self.reason}")


class InternalConsistencyError(ParslError):
    """Parsl reached a state its own logic says cannot happen."""


class NoDataFlowKernelError(ParslError):
    """An operation needs a loaded DataFlowKernel and there is none."""


class NoStagingProvider(ParslError, ValueError):
    """No staging provider of an executor can stage a File; the message says what to install."""

    def __init__(self, message: str, scheme: str, executor: str) -> None:
        super().__init__(message)
        self.scheme = scheme
        self.executor = executor

    def __str__(self) -> str:
        return str(self.args[0])
