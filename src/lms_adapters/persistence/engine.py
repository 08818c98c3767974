"""Engine creation with the settings each database needs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

WRITE_OPTION = "lms_write"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `sqlite+aiosqlite://` or `postgresql+asyncpg://` URLs.

    SQLite gets WAL, foreign keys and a busy timeout on every connection, and its transactions are
    begun by us: `BEGIN IMMEDIATE` for writers, so that two writers queue on the busy timeout
    instead of failing when one upgrades a read lock.

    `hide_parameters`: the message of a failed statement (and so any logged traceback) never carries
    its parameters, which include password hashes, token hashes and personal data.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if parsed.get_backend_name() == "postgresql":
        # A server that does not answer must become a quick 503, not a request hanging for asyncpg's 60 s.
        kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args={"timeout": 10})
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def missing_sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names when it does not exist (connecting would create it, empty); None for
    an existing file, an in-memory database, a `file:` URI (its own `mode` decides) or another database."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if parsed.query.get("uri") == "true" or database.startswith("file:"):
        return None
    path = Path(database)
    return None if path.exists() else path


def _configure_sqlite(engine: AsyncEngine) -> None:
    # aiosqlite logs every statement with its parameters (password hashes among them) at DEBUG: a
    # process run at debug level must not write those, so its logger starts at INFO unless the
    # embedding application chose a level for it.
    driver_log = logging.getLogger("aiosqlite")
    if driver_log.level == logging.NOTSET:
        driver_log.setLevel(logging.INFO)
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
