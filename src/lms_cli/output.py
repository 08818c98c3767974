"""How commands report: readable text or `--json`, and exit codes that follow the error hierarchy."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

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

T = TypeVar("T")

EXIT_ERROR = 1
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4
EXIT_FORBIDDEN = 5
EXIT_INVALID = 6
EXIT_CONFIG = 7
EXIT_UNAVAILABLE = 8
EXIT_RATE_LIMITED = 9

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
        _fail(exc.code, exc.message, exit_code_for(exc), as_json, details=exc.details)
    except ConfigurationError as exc:
        _fail("config.invalid", str(exc), EXIT_CONFIG, as_json)
    raise AssertionError("unreachable")


def load_settings(*, as_json: bool = False) -> Settings:
    """Settings from `LMS_*` variables; a bad value is a configuration error (exit 7), not a traceback."""
    try:
        return Settings.from_env()
    except ConfigurationError as exc:
        _fail("config.invalid", str(exc), EXIT_CONFIG, as_json)
    raise AssertionError("unreachable")


def config_failure(exc: ConfigurationError, *, as_json: bool = False) -> None:
    _fail("config.invalid", str(exc), EXIT_CONFIG, as_json)


def _fail(code: str, message: str, exit_code: int, as_json: bool, *, details: dict[str, Any] | None = None) -> None:
    if as_json:
        sys.stdout.write(
            msgspec.json.encode({"error": {"code": code, "message": message, "details": details or {}}}).decode() + "\n"
        )
    else:
        click.echo(f"error [{code}]: {message}", err=True)
    sys.exit(exit_code)
