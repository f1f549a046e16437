"""Errors raised by executors.

Hierarchy::

    ParslError
    ├── ExecutorError
    │   ├── BadStateException
    │   ├── UnsupportedFeatureError
    │   ├── InvalidResourceSpecification
    │   └── ScalingFailed
    └── BadMessage
"""

from __future__ import annotations

from typing import Any, Optional, Set

from parsl.errors import ParslError


class ExecutorError(ParslError):
    """An executor failed; ``reason`` says how."""

    def __init__(self, executor: Any, reason: str) -> None:
        super().__init__(executor, reason)
        self.executor = executor
        self.reason = reason

    def __str__(self) -> str:
        return f"Executor {getattr(self.executor, 'label', self.executor)} failed due to: {self.reason}"


class BadStateException(ExecutorError):
    """The executor is in a bad state; every task on it fails with this."""

    def __init__(self, executor: Any, exception: BaseException) -> None:
        super().__init__(executor, str(exception))


class UnsupportedFeatureError(ExecutorError):
    """A feature was used that this executor does not offer (``target_executor`` does)."""

    def __init__(self, feature: str, current_executor: str, target_executor: Optional[str]) -> None:
        ParslError.__init__(self, feature, current_executor, target_executor)
        self.feature = feature
        self.current_executor = current_executor
        self.target_executor = target_executor

    def __str__(self) -> str:
        msg = f"The {self.feature} feature is unsupported in {self.current_executor}."
        if self.target_executor:
            msg += f" Please checkout {self.target_executor} for this feature"
        return msg


class InvalidResourceSpecification(ExecutorError):
    """A ``parsl_resource_specification`` had keys or values the executor does not accept."""

    def __init__(self, invalid_keys: Set[str], message: str = "") -> None:
        ParslError.__init__(self, invalid_keys, message)
        self.invalid_keys = invalid_keys
        self.message = message

    def __str__(self) -> str:
        return f"Invalid Resource Specification Supplied: {self.invalid_keys}. {self.message}"


class ScalingFailed(ExecutorError):
    """The executor's provider could not add or remove blocks."""

    def __str__(self) -> str:
        return f"Executor {getattr(self.executor, 'label', self.executor)} failed to scale due to: {self.reason}"


class BadMessage(ParslError):
    """A message between components was mangled or of an unknown kind."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"Received an unsupported message. Reason:{self.reason}"
