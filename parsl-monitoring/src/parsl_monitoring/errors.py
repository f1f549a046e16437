"""Errors of the monitoring plugin.

Hierarchy::

    ParslError
    └── MonitoringError
        └── MonitoringDatabaseError     (the database cannot be used; says which and why)
            ├── DatabaseUnavailable     (server down, bad URL, missing driver, file not creatable)
            ├── DatabaseLocked          (another process holds a lock for too long)
            ├── DatabaseCorrupt         (not a database, or a damaged one)
            ├── SchemaMismatch          (tables from an older or foreign schema)
            └── RunNotFound             (no workflow with that run id)
"""

from __future__ import annotations

from parsl.errors import ParslError


class MonitoringError(ParslError):
    """Base class of monitoring errors."""


class MonitoringDatabaseError(MonitoringError):
    """The monitoring database cannot be used."""


class DatabaseUnavailable(MonitoringDatabaseError):
    """The database cannot be reached or opened."""


class DatabaseLocked(MonitoringDatabaseError):
    """Another process holds a lock on the database for longer than the timeout."""


class DatabaseCorrupt(MonitoringDatabaseError):
    """The file is not a database, or is damaged."""


class SchemaMismatch(MonitoringDatabaseError):
    """The database has monitoring tables that lack columns this version needs."""


class RunNotFound(MonitoringError, LookupError):
    """No workflow with the given run id is in the database."""


def error_of(pair: list[str]) -> MonitoringDatabaseError:
    """The error the writer process reported as ``[class name, message]``."""
    name, message = pair
    cls = globals().get(name)
    if not (isinstance(cls, type) and issubclass(cls, MonitoringDatabaseError)):
        cls = MonitoringDatabaseError
    return cls(message)
