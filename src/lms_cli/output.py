"""How commands run and report: an engine opened for one command, readable text or `--json`, and exit
codes that follow the error hierarchy (the table in docs/cli.md lists them).

This module is imported whenever `lms` starts, `--help` included: it imports nothing heavy at module
level (no SQLAlchemy, no engine), only what every command needs to report."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
import msgspec

from lms_adapters.settings import ConfigurationError, Settings
from lms_core.shared.errors import (
    ConflictError,
    ExternalServiceError,
    InvalidInputError,
    LmsError,
    NotAuthenticatedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)

if TYPE_CHECKING:
    from lms_core import Lms

T = TypeVar("T")

EXIT_ERROR = 1
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4
EXIT_FORBIDDEN = 5
EXIT_INVALID = 6
EXIT_CONFIG = 7
EXIT_UNAVAILABLE = 8
EXIT_RATE_LIMITED = 9
# Not an error: the certificate `lms certificates verify` checked exists and is revoked (details printed).
EXIT_REVOKED = 10

_EXIT_CODES: list[tuple[type[LmsError], int]] = [
    (NotFoundError, EXIT_NOT_FOUND),
    (ConflictError, EXIT_CONFLICT),
    (PermissionDeniedError, EXIT_FORBIDDEN),
    (NotAuthenticatedError, EXIT_FORBIDDEN),
    (InvalidInputError, EXIT_INVALID),
    (ExternalServiceError, EXIT_UNAVAILABLE),
    (RateLimitedError, EXIT_RATE_LIMITED),
]


def exit_code_for(error: LmsError) -> int:
    for cls, code in _EXIT_CODES:
        if isinstance(error, cls):
            return code
    return EXIT_ERROR


def emit(value: Any, *, as_json: bool, text: str) -> None:
    if as_json:
        sys.stdout.write(msgspec.json.encode(value).decode() + "\n")
    else:
        click.echo(text)


def run_command(action: Callable[[], Awaitable[T]], *, as_json: bool = False) -> T:
    """Run an async command body, turning engine errors into a message and a meaningful exit code."""
    import asyncio

    async def body() -> T:
        return await action()

    try:
        return asyncio.run(body())
    except LmsError as exc:
        fail(exc.code, exc.message, exit_code_for(exc), as_json=as_json, details=exc.details)
    except ConfigurationError as exc:
        config_failure(exc, as_json=as_json)


def run_on_engine(
    body: Callable[[Lms], Awaitable[T]],
    *,
    as_json: bool = False,
    settings: Settings | None = None,
    read_only: bool = False,
    migrate: bool = False,
) -> T:
    """Run a one-shot command's `body` on an engine opened for it alone; every one-shot command that needs
    the engine goes through here, so that each of them exits once its work is done.

    - The engine runs no background outbox worker (a loop that would outlive the work). The outbox
      events the command recorded (and those its handlers record in turn) are delivered here, once `body`
      has returned or stopped on an engine error, before the engine closes; older events are left to the
      servers' workers. A `read_only` body records none, and delivers nothing.
    - The database must exist: only `migrate=True` (`lms demo`) creates one; a SQLite file that is not
      there is an error rather than a new empty database (see `require_database`).
    """
    settings = settings or load_settings(as_json=as_json)
    try:
        settings.require_secret_key()
    except ConfigurationError as exc:
        config_failure(exc, as_json=as_json)
    if not migrate:
        require_database(settings, as_json=as_json)
    settings = msgspec.structs.replace(settings, outbox_worker=False)

    async def action() -> T:
        from lms_adapters.bootstrap import open_lms

        async with open_lms(settings, migrate=migrate) as lms:
            started = lms.clock.now()
            try:
                result = await body(lms)
            except LmsError:
                # A batch stopped by an error part-way has committed what it did before it: deliver that too.
                if not read_only:
                    await lms.outbox.drain(recorded_since=started)
                raise
            if not read_only:
                await lms.outbox.drain(recorded_since=started)
            return result

    return run_command(action, as_json=as_json)


def require_database(settings: Settings, *, as_json: bool = False) -> None:
    """Stop (exit 7) when `LMS_DATABASE_URL` names a SQLite file that does not exist: connecting would
    create it empty, and a command other than `lms db upgrade` must never create a database."""
    from lms_adapters.persistence.engine import missing_sqlite_file

    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:
        fail(
            "database.missing",
            f"the database {missing} does not exist (LMS_DATABASE_URL={settings.database_url}); "
            "check LMS_DATABASE_URL, or create the database with `lms db upgrade`",
            EXIT_CONFIG,
            as_json=as_json,
        )


def load_settings(*, as_json: bool = False) -> Settings:
    """Settings from `LMS_*` variables; a bad value is a configuration error (exit 7), not a traceback."""
    try:
        return Settings.from_env()
    except ConfigurationError as exc:
        config_failure(exc, as_json=as_json)


def config_failure(exc: ConfigurationError, *, as_json: bool = False) -> NoReturn:
    fail("config.invalid", str(exc), EXIT_CONFIG, as_json=as_json)


def fail(code: str, message: str, exit_code: int, *, as_json: bool, details: dict[str, Any] | None = None) -> NoReturn:
    """Report an error (on stderr, or as the JSON document on stdout with `--json`) and exit."""
    if as_json:
        sys.stdout.write(
            msgspec.json.encode({"error": {"code": code, "message": message, "details": details or {}}}).decode() + "\n"
        )
    else:
        click.echo(f"error [{code}]: {message}", err=True)
    sys.exit(exit_code)
