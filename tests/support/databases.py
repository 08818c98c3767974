"""Test databases: a migrated SQLite template copied per test, and a throw-away PostgreSQL database per run."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from lms_adapters.persistence.migrate import upgrade_database
from lms_adapters.persistence.models import metadata

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(name: str, variable: str) -> str:
    """The URL of a service the test needs. In CI a missing service fails the test; locally it skips loudly."""
    url = os.environ.get(variable)
    if url:
        return url
    message = f"{name} tests need {variable}; set it to run them"
    if IN_CI:
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {message}")


REDIS_DATABASES = 16  # Redis's default `databases`: numbers 0 to 15


def worker_index() -> int:
    """This pytest-xdist worker's number (`gw3` is 3); 0 in a run that is not distributed."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker.removeprefix("gw")) if worker.startswith("gw") else 0


def worker_redis_url(url: str, index: int) -> str:
    """The Redis database of worker `index`: the URL's database number plus the index (wrapping at 16), so
    that parallel workers never see each other's keys; worker 0 keeps the URL's own database."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + index) % REDIS_DATABASES}"))


async def make_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    await upgrade_database(f"sqlite+aiosqlite:///{path}")
    return path


def copy_sqlite(template: Path, directory: Path) -> str:
    target = directory / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


async def create_postgres_database(server_url: str) -> str:
    """Create a fresh database on the server and migrate it; return its URL."""
    url = make_url(server_url)
    name = f"lms_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    database_url = url.set(database=name).render_as_string(hide_password=False)
    await upgrade_database(database_url)
    return database_url


async def drop_postgres_database(server_url: str, database_url: str) -> None:
    name = make_url(database_url).database
    admin = create_async_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def truncate_postgres(database_url: str) -> None:
    """Empty every table, children first. DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE's
    per-table file work cost ten times as much (0.3 s against 0.04 s for the whole schema), once per
    PostgreSQL test. No test depends on a sequence restarting (ids are UUIDv7)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(table.delete())
    finally:
        await engine.dispose()


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]
