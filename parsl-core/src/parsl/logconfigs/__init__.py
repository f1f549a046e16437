"""Logging configurations: what ``Config(initialize_logging=...)`` sets up in each process.

``FileLogging`` (``<run_dir>/parsl.log``), ``JSONLogging`` (``<run_dir>/parsl.jsonlog``, one JSON
object a line) and ``NoopLogging`` are built in; other ``LogConfig`` subclasses come from plugins
(``parsl_register_logconfigs``) and are named in config files by ``type``.
"""

from parsl.logconfigs.base import LogConfig, LogConfigError
from parsl.logconfigs.file import FileLogging
from parsl.logconfigs.json import JSONLogging
from parsl.logconfigs.noop import NoopLogging

__all__ = ["FileLogging", "JSONLogging", "LogConfig", "LogConfigError", "NoopLogging"]
