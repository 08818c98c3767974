"""One mapping from errors to RFC 9457 problem responses (`application/problem+json`)."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example

from lms_core.files.errors import FileTooLarge, RangeNotSatisfiable, UnsupportedFileType
from lms_core.payments.errors import InvalidWebhookSignature
from lms_core.shared.errors import (
    BadGatewayError,
    ConflictError,
    ExternalServiceError,
    InvalidInputError,
    LmsError,
    NotAuthenticatedError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
)

log = logging.getLogger("lms.http")

PROBLEM_JSON = "application/problem+json"

_STATUS: list[tuple[type[LmsError], int]] = [
    # Specific input errors first: they are `InvalidInputError`s with statuses of their own.
    (FileTooLarge, 413),
    (UnsupportedFileType, 415),
    (RangeNotSatisfiable, 416),
    (InvalidWebhookSignature, 400),
    (NotFoundError, 404),
    (ConflictError, 409),
    (PermissionDeniedError, 403),
    (NotAuthenticatedError, 401),
    (InvalidInputError, 422),
    (RateLimitedError, 429),
    (PaymentRequiredError, 402),
    (BadGatewayError, 502),
    (ExternalServiceError, 503),
]

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    402: "Payment required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    416: "Range not satisfiable",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem; `code` is stable and meant for programs."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None
    details: dict[str, Any] | None = None


class JsonBodyRequest(Request[Any, Any, Any]):
    """Litestar's request, with one more malformed-body case made a 400.

    msgspec gives up on JSON nested deeper than the interpreter's recursion limit (a 2 KB body of
    `[[[...]]]` is enough) with a `RecursionError`, which Litestar does not count among decoding errors.
    """

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise ClientException("the JSON body is nested too deeply") from None


def status_for(error: LmsError) -> int:
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    return 400


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> Response[Problem]:
    body = Problem(
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        instance=request.url.path,
        errors=errors,
        details=details or None,
    )
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def handle_lms_error(request: Request[Any, Any, Any], exc: LmsError) -> Response[Problem]:
    status = status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimitedError | ServiceUnavailableError):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="lms"'
    if isinstance(exc, RangeNotSatisfiable):
        headers["Content-Range"] = f"bytes */{exc.size}"
    return problem_response(request, status, exc.code, exc.message, headers=headers or None, details=exc.details)


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    if isinstance(exc, ValidationException):
        errors = exc.extra if isinstance(exc.extra, list) else None
        return problem_response(
            request, 422, "request.validation_failed", "the request does not match the expected shape", errors=errors
        )
    if isinstance(exc, NotFoundException):
        return problem_response(request, 404, "request.not_found", "no such resource")
    if isinstance(exc, MethodNotAllowedException):
        return problem_response(request, 405, "request.method_not_allowed", str(exc.detail), headers=exc.headers)
    status = exc.status_code
    if status == 400:
        return problem_response(request, 400, "request.malformed", str(exc.detail))
    if status >= 500:
        log.error("HTTP %s on %s: %s", status, request.url.path, exc.detail)
        return problem_response(request, status, "server.error", "the server could not complete the request")
    return problem_response(request, status, f"request.http_{status}", str(exc.detail), headers=exc.headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "server.error", "the server could not complete the request")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    LmsError: handle_lms_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI declarations of the problem responses a route can give.

    400 (a malformed request) and 413 (a body over the size limit) can happen on every route: they
    are always declared, which also replaces Litestar's default 400 entry announcing `application/json`.
    """
    statuses = tuple(sorted({400, 413, *statuses}))
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_TITLES.get(status, "Error"),
            media_type=PROBLEM_JSON,
            generate_examples=False,
            examples=[Example(summary=_TITLES.get(status, "Error"))],
        )
        for status in statuses
    }
