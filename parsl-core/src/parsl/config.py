"""``Config``: everything a DataFlowKernel needs, as Python or as a TOML/YAML file."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Literal, Optional, Sequence, Union

import attrs

from parsl.dataflow.internal import INTERNAL_EXECUTOR
from parsl.errors import ConfigurationError
from parsl.executors.base import ParslExecutor
from parsl.logconfigs.base import LogConfig
from parsl.plugins.monitor import Monitor
from parsl.plugins.settings import fspath, settings
from parsl.usage_tracking.api import UsageInformation

ExitMode = Literal["cleanup", "skip", "wait"]
StrategyName = Optional[Literal["simple", "htex_auto_scale", "none"]]

#: Config keywords of older Parsl releases, now settings of ``BasicMemoizer``.
LEGACY_MEMOIZER_KEYWORDS = ("checkpoint_mode", "checkpoint_files", "checkpoint_period", "app_cache")


def _legacy() -> Any:
    return attrs.field(default=None, repr=False, kw_only=True, metadata={"legacy": True, "typecheck": False})


def _level(value: Any) -> Any:
    """``True``/``False`` as levels 1/0: Parsl's annotation is ``int``, which its type checker lets bools pass."""
    return int(value) if isinstance(value, bool) else value


@settings
class Config(UsageInformation):
    """The configuration of a workflow: executors, and how the DataFlowKernel behaves.

    The keywords and defaults are Parsl's. ``usage_tracking`` is off (0) by default; levels 1-3
    (``parsl.usage_tracking.levels``) send anonymous start and end messages, see
    ``parsl.usage_tracking``. ``initialize_logging`` is ``True`` (``<run_dir>/parsl.log``),
    ``False`` or a ``parsl.logconfigs.LogConfig``.

    ``checkpoint_mode``, ``checkpoint_files``, ``checkpoint_period`` and ``app_cache``, which
    Parsl moved to ``BasicMemoizer`` in 2025, are still accepted with a ``DeprecationWarning``
    and turned into ``memoizer=BasicMemoizer(...)``.
    """

    executors: Sequence[ParslExecutor] = attrs.field(default=None, converter=lambda e: list(e) if e else [])
    memoizer: Optional[Any] = None
    dependency_resolver: Optional[Any] = None
    exit_mode: ExitMode = "cleanup"
    garbage_collect: bool = True
    internal_tasks_max_threads: int = 10
    retries: int = 0
    retry_handler: Optional[Callable[..., float]] = None
    run_dir: str = attrs.field(default="runinfo", converter=fspath)
    std_autopath: Optional[Callable[..., Any]] = None
    strategy: StrategyName = "simple"
    strategy_period: float = 5
    max_idletime: float = 120.0
    monitoring: Optional[Monitor] = None
    usage_tracking: int = attrs.field(default=0, converter=_level)
    project_name: Optional[str] = None
    initialize_logging: Union[bool, LogConfig] = True

    checkpoint_mode: Optional[str] = _legacy()
    checkpoint_files: Optional[Sequence[str]] = _legacy()
    checkpoint_period: Optional[str] = _legacy()
    app_cache: Optional[bool] = _legacy()

    def __attrs_post_init__(self) -> None:
        if not self.executors:
            from parsl.executors.threads import ThreadPoolExecutor

            self.executors = [ThreadPoolExecutor()]
        labels = [e.label for e in self.executors]
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        if duplicates:
            raise ConfigurationError(f"Executors must have unique labels ({', '.join(duplicates)} used more than once)")
        if INTERNAL_EXECUTOR in labels:
            raise ConfigurationError(f"the executor label {INTERNAL_EXECUTOR!r} is reserved for Parsl's internal tasks")
        if not 0 <= self.usage_tracking <= 3:
            raise ConfigurationError(f"usage_tracking must be an integer from 0 to 3, not {self.usage_tracking}")
        if self.retries < 0:
            raise ConfigurationError(f"retries must not be negative, got {self.retries}")
        self._move_legacy_memoizer_keywords()

    def get_usage_information(self) -> dict[str, Any]:
        """What usage tracking (level 2) reports of the config itself, beyond its components."""
        return {"executors_len": len(self.executors), "dependency_resolver": self.dependency_resolver is not None}

    def _move_legacy_memoizer_keywords(self) -> None:
        given = {k: getattr(self, k) for k in LEGACY_MEMOIZER_KEYWORDS if getattr(self, k) is not None}
        if not given:
            return
        warnings.warn(
            f"Config({', '.join(f'{k}=...' for k in given)}) is deprecated: "
            f"use Config(memoizer=BasicMemoizer(...)) from parsl.dataflow.memoization",
            DeprecationWarning, stacklevel=4)
        if self.memoizer is not None:
            raise ConfigurationError(
                f"give either memoizer= or the deprecated {', '.join(given)}, not both")
        from parsl.dataflow.memoization import BasicMemoizer

        memoize = given.pop("app_cache", True)
        self.memoizer = BasicMemoizer(memoize=memoize, **given)
        for k in LEGACY_MEMOIZER_KEYWORDS:
            setattr(self, k, None)


def load_config_file(path: str) -> Config:
    """Build a ``Config`` from a TOML (``.toml``) or YAML (``.yaml``/``.yml``) file.

    Plugins are named by string (``type = "slurm"``); errors name the key path that is wrong.
    """
    from parsl.configfile.loader import load_config_file as load

    return load(path)
