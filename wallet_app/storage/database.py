"""The profile database: one code path for SQLite (default) and PostgreSQL.

Opening checks the schema revision first. A database written by a newer Custos is refused and left untouched;
an older one is upgraded through the Alembic migrations shipped in this package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError

from wallet_app.errors import SchemaTooNew, StorageError
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


def create_database_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


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
    engine = create_database_engine(url)
    revision = fetch_revision(engine)
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
