"""No log line carries SQL parameters or secrets, even when a statement fails unexpectedly.

The whole run is scanned as well (`tests/conftest.py`); this provokes the worst case on purpose: the
insert of a new user (whose parameters hold the argon2 hash) fails, and the 500 is logged with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from sqlalchemy import text

from lms_adapters.persistence.engine import create_engine
from lms_adapters.security.passwords import Argon2PasswordHasher
from tests.http.helpers import PASSWORD, assert_problem
from tests.support.log_scan import find_secrets

_SQLITE_TRIGGER = [
    "CREATE TRIGGER refuse_users BEFORE INSERT ON users BEGIN INSERT INTO no_such_table (x) VALUES (1); END"
]
_POSTGRES_TRIGGER = [
    "CREATE FUNCTION refuse_users() RETURNS trigger AS $$ BEGIN PERFORM 1 / 0; RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER refuse_users BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_users()",
]
_POSTGRES_CLEANUP = ["DROP TRIGGER IF EXISTS refuse_users ON users", "DROP FUNCTION IF EXISTS refuse_users()"]


async def _execute(database_url: str, statements: list[str]) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
async def inserts_of_users_fail(database_url: str) -> AsyncIterator[None]:
    postgres = database_url.startswith("postgresql")
    await _execute(database_url, _POSTGRES_TRIGGER if postgres else _SQLITE_TRIGGER)
    try:
        yield
    finally:
        if postgres:  # the PostgreSQL database outlives the test
            await _execute(database_url, _POSTGRES_CLEANUP)


@pytest.mark.usefixtures("inserts_of_users_fail")
async def test_a_failed_insert_logs_neither_its_parameters_nor_the_hash(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await client.post(
        "/api/v1/auth/register", json={"email": "ada@example.com", "password": PASSWORD, "full_name": "Ada Lovelace"}
    )
    assert_problem(response, 500, "server.error")
    logged = caplog.text
    assert "INSERT INTO users" in logged  # the failure itself is logged, with its statement...
    assert find_secrets(logged, [PASSWORD]) == []  # ...but without parameters or secrets
    assert "ada@example.com" not in logged
    assert "Ada Lovelace" not in logged


async def test_the_scanner_recognises_what_it_looks_for() -> None:
    samples = {
        "argon2 hash": await Argon2PasswordHasher.fast_for_tests().hash(PASSWORD),
        "JWT": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlc2lnbmF0dXJl",
        "link token": "https://lms.example.test/reset-password?token=Zm9vYmFyYmF6cXV4cXV1eHF1dXg",
        "MFA code": "Use this code to finish signing in:\n\n    123456\n",
        "SQL parameters": "(sqlite3.OperationalError) boom [SQL: INSERT ...] [parameters: ('x',)]",
    }
    for kind, sample in samples.items():
        assert kind in find_secrets(sample), kind
    assert find_secrets("user 0192 logged in at 12:00:00 from 127.0.0.1") == []
    assert find_secrets(f"password was {PASSWORD}", [PASSWORD]) == ["a test password"]
