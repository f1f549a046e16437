"""Opening a monitoring database: engines, SQLite pragmas, schema checks, readable errors.

Every failure to open or use the database is turned into a ``MonitoringDatabaseError`` that names
the database (without its password) and says what to do, instead of a driver traceback.
"""

from __future__ import annotations

import os
from typing import Any, Callable, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError

from parsl_monitoring import schema
from parsl_monitoring.errors import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseUnavailable,
    MonitoringDatabaseError,
    SchemaMismatch,
)
from parsl_monitoring.redact import hide_password

T = TypeVar("T")

#: How long a statement waits for another process's lock on a SQLite file before failing.
DEFAULT_LOCK_TIMEOUT = 10.0
#: Seconds to wait for a database server to accept a connection.
CONNECT_TIMEOUT = 10


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages (also when the URL does not parse)."""
    return hide_password(url)


def url_for(target: str) -> str:
    """A SQLAlchemy URL for ``target``: a URL, a database file, or a run directory holding one."""
    if "://" in target:
        return target
    path = os.path.abspath(target)
    if os.path.isdir(path):
        path = os.path.join(path, "monitoring.db")
    return f"sqlite:///{path}"


def _first_line(e: BaseException) -> str:
    """The first line of what driver exception ``e`` says (its DBAPI error's, if it wraps one)."""
    return str(getattr(e, "orig", None) or e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def translate(url: str, e: BaseException) -> MonitoringDatabaseError:
    """The monitoring error that explains driver exception ``e`` raised while using ``url``."""
    where = display_url(url)
    text = _first_line(e)
    low = text.lower()
    if isinstance(e, MonitoringDatabaseError):
        return e
    if "locked" in low or "busy" in low:
        return DatabaseLocked(f"monitoring database {where} is locked by another process ({text}); "
                              f"close the program holding it, or use another logging_endpoint")
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return DatabaseCorrupt(f"monitoring database {where} is not a valid database or is damaged "
                               f"({text}); move it aside or use another logging_endpoint")
    if isinstance(e, (NoSuchModuleError, ModuleNotFoundError, ImportError)):
        return DatabaseUnavailable(f"cannot use monitoring database {where}: the database driver is not "
                                   f"installed ({text}); for PostgreSQL: pip install 'parsl-monitoring[postgresql]'")
    return DatabaseUnavailable(f"cannot use monitoring database {where}: {text}")


def parse_url(url: str) -> URL:
    """``url`` parsed by SQLAlchemy; only this step's ``ArgumentError`` means the URL itself is bad
    (SQLAlchemy raises it for other mistakes too, such as an option its dialect does not take)."""
    try:
        return make_url(url)
    except ArgumentError as e:
        raise DatabaseUnavailable(f"monitoring database URL {display_url(url)!r} is not a valid SQLAlchemy URL "
                                  f"({_first_line(e)})") from e


def guarded(url: str, fn: Callable[[], T]) -> T:
    """Run ``fn``, turning any database failure into a ``MonitoringDatabaseError``."""
    try:
        return fn()
    except (DatabaseError, OperationalError, ArgumentError, NoSuchModuleError, ImportError, OSError) as e:
        raise translate(url, e) from e
    except sa.exc.SQLAlchemyError as e:
        raise translate(url, e) from e


def create_engine(url: str, *, read_only: bool = False, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and a lock timeout, and must exist to be read."""
    parsed = parse_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            if read_only and not os.path.exists(database):
                raise DatabaseUnavailable(f"no monitoring database at {database}")
            if not read_only:
                os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
        kwargs["connect_args"] = {"timeout": lock_timeout, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
        if parsed.get_backend_name() in ("postgresql", "mysql", "mariadb"):
            # a server that does not answer must not hold up the start of a workflow for minutes
            kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
    engine = guarded(url, lambda: sa.create_engine(parsed, **kwargs))
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine, read_only=read_only, lock_timeout=lock_timeout)
    return engine


def _configure_sqlite(engine: Engine, *, read_only: bool, lock_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
            if read_only:
                cursor.execute("PRAGMA query_only = ON")
            else:
                # WAL lets readers (the dashboard, parsl status) read while the writer writes.
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()


def check_schema(engine: Engine, url: str) -> set[str]:
    """Return the monitoring tables present; raise ``SchemaMismatch`` if any lacks a column we use."""

    def inspect() -> set[str]:
        inspector = sa.inspect(engine)
        present = set(inspector.get_table_names())
        problems = []
        for name in sorted(present & set(schema.metadata.tables)):
            have = {c["name"] for c in inspector.get_columns(name)}
            missing = [c.name for c in schema.metadata.tables[name].columns if c.name not in have]
            if missing:
                problems.append(f"table {name!r} lacks {', '.join(missing)}")
        if problems:
            raise SchemaMismatch(
                f"monitoring database {display_url(url)} was written by an older or different version "
                f"of Parsl monitoring: {'; '.join(problems)}. Use a new logging_endpoint, or move the "
                f"database aside")
        if schema.meta.name in present:
            with engine.connect() as conn:
                version = conn.execute(sa.select(schema.meta.c.value).where(
                    schema.meta.c.key == "schema_version")).scalar()
            if version is not None and version != schema.SCHEMA_VERSION:
                raise SchemaMismatch(
                    f"monitoring database {display_url(url)} has schema version {version}, this "
                    f"parsl-monitoring writes version {schema.SCHEMA_VERSION}; use a new logging_endpoint")
        return present

    return guarded(url, inspect)


def open_for_writing(url: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Engine:
    """Open (creating if needed) a monitoring database for the writer, checking its schema first."""
    engine = create_engine(url, lock_timeout=lock_timeout)
    try:
        present = check_schema(engine, url)

        def create() -> None:
            schema.metadata.create_all(engine)
            if schema.meta.name not in present:
                with engine.begin() as conn:
                    conn.execute(schema.meta.insert(), [{"key": "schema_version", "value": schema.SCHEMA_VERSION}])

        guarded(url, create)
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_for_reading(target: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> tuple[Engine, set[str]]:
    """Open a monitoring database read-only (a URL, a file, or a run directory); return the tables present."""
    url = url_for(target)
    engine = create_engine(url, read_only=True, lock_timeout=lock_timeout)
    try:
        tables = check_schema_for_reading(engine, url)
    except BaseException:
        engine.dispose()
        raise
    return engine, tables


def check_schema_for_reading(engine: Engine, url: str) -> set[str]:
    """Like ``check_schema`` but only Parsl's workflow, task and status tables are required."""
    present = guarded(url, lambda: set(sa.inspect(engine).get_table_names()))
    missing = [t for t in ("workflow", "task", "status") if t not in present]
    if missing:
        raise SchemaMismatch(f"{display_url(url)} is not a Parsl monitoring database "
                             f"(no {', '.join(missing)} table)")
    return check_schema(engine, url)
