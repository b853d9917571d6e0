"""The profile database: one code path for SQLite (default) and PostgreSQL.

Opening checks the schema revision first. A database written by a newer Custos is refused and left untouched;
an older one is upgraded through the Alembic migrations shipped in this package. A SQLite file on a network
filesystem is refused (J8); a PostgreSQL server that does not answer, or drops the connection, raises a one-line
`StorageUnavailable` from opening and from any query.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from wallet_app.errors import ConfigError, SchemaTooNew, StorageAccessDenied, StorageError, StorageUnavailable
from wallet_app.storage.filesystems import check_local_path
from wallet_app.storage.schema import SCHEMA_HEAD

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit acknowledged to a person survives power loss, WAL or not.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def postgres_url(url: str) -> URL:
    """A `postgresql://` or `postgresql+psycopg://` URL with a database name, for psycopg 3; ConfigError otherwise."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("The database URL is not a URL (expected postgresql://USER@HOST:PORT/DATABASE)") from None
    if parsed.drivername not in ("postgresql", "postgresql+psycopg"):
        raise ConfigError(
            f"The database URL must start with postgresql:// (not '{parsed.drivername[:30]}://'); "
            "without one a profile keeps its database in its own SQLite file"
        )
    if not parsed.host or not parsed.database:
        raise ConfigError("The database URL needs a host and a database name: postgresql://USER@HOST:PORT/DATABASE")
    return parsed.set(drivername="postgresql+psycopg")


def describe_url(url: str | URL) -> str:
    """Where a database is, for messages: scheme, host, port and name; never the user, password or query."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return str(parsed.database or ":memory:")
    port = f":{parsed.port}" if parsed.port else ""
    return f"postgresql://{parsed.host or ''}{port}/{parsed.database or ''}"


def create_database_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    parsed = postgres_url(url)
    # Without a timeout, connecting to a host that drops packets would hang the window for minutes.
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
    engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    where = describe_url(parsed)

    def unavailable(context: ExceptionContext) -> None:
        if _sqlstate(context.original_exception) == "42501":
            raise StorageAccessDenied(
                f"This desktop may no longer change the PostgreSQL database {where}: its database role lacks the "
                "privilege (revoked?); nothing was saved. Ask the database administrator.",
                detail=str(context.original_exception)[:500],
            ) from None
        if not _is_connection_failure(context):
            return  # constraint violations, serialization failures, ... stay SQLAlchemy's errors
        context.is_disconnect = True  # the connection is dropped from the pool, never reused
        if context.is_pre_ping:
            return  # a pooled connection went stale (server restarted): the pool opens a new one
        original = context.original_exception
        raise StorageUnavailable(
            f"The PostgreSQL database {where} cannot be reached: {_reason(original)}", detail=str(original)
        ) from None

    event.listen(engine, "handle_error", unavailable)
    return engine


# SQLSTATEs of a connection the server refused or closed: class 08, and the server shutting down (57P01-57P03).
_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def _sqlstate(error: BaseException | None) -> str:
    return str(getattr(error, "sqlstate", "") or "")


def _is_connection_failure(context: ExceptionContext) -> bool:
    if context.is_disconnect:
        return True
    original = context.original_exception
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is None:
        # psycopg raises OperationalError without a SQLSTATE when it cannot connect or the socket breaks.
        return original.__class__.__name__ == "OperationalError" or context.connection is None
    return str(sqlstate).startswith(_CONNECTION_SQLSTATES)


def _reason(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    first = lines[0] if lines else error.__class__.__name__
    match = re.match(r"connection failed: connection to server .*? failed: (.*)$", first)
    reason = match.group(1) if match else first
    return " ".join(reason.split())[:160]


def known_revisions() -> set[str]:
    return {p.stem for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py")}


def fetch_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except (OperationalError, DatabaseError) as exc:
        raise StorageError(f"The profile database cannot be read: {exc.orig.__class__.__name__}") from None
    return None if row is None else str(row[0])


def open_database(url: str) -> Engine:
    """Open the database, refuse a newer schema, and upgrade an older one."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            check_local_path(Path(path))
    engine = create_database_engine(url)
    try:
        revision = fetch_revision(engine)
    except StorageError:
        engine.dispose()
        raise
    if revision == SCHEMA_HEAD:
        return engine
    if revision is not None and revision not in known_revisions():
        engine.dispose()
        raise SchemaTooNew(
            f"The profile database was written by a newer Custos (schema '{revision[:60]}'); this version "
            f"knows schemas up to '{SCHEMA_HEAD}'. Upgrade Custos; the database was not changed."
        )
    _upgrade(engine)
    return engine


def _upgrade(engine: Engine) -> None:
    # Alembic is only imported when a migration is due, which keeps the everyday open fast.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
