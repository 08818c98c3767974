"""The error hierarchy. Every error carries a stable machine-readable `code`."""

from __future__ import annotations

from typing import Any


class LmsError(Exception):
    """Base of every error the core raises on purpose.

    `code` is stable (front ends and clients may switch on it); `message` is for people;
    `details` carries structured context such as the field that failed.
    """

    code: str = "lms.error"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details or {}


class NotFoundError(LmsError):
    code = "not_found"


class ConflictError(LmsError):
    code = "conflict"


class PermissionDeniedError(LmsError):
    code = "permission_denied"


class NotAuthenticatedError(LmsError):
    code = "not_authenticated"


class InvalidInputError(LmsError):
    code = "invalid_input"


class RateLimitedError(LmsError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_seconds: int, code: str | None = None) -> None:
        super().__init__(message, code=code, details={"retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds


class PaymentRequiredError(LmsError):
    code = "payment_required"


class ExternalServiceError(LmsError):
    code = "external_service_error"


class BadGatewayError(ExternalServiceError):
    """A service this engine calls answered with an error (HTTP 502): unlike `ServiceUnavailableError`, the
    service was reached, and retrying the same request is unlikely to help."""

    code = "bad_gateway"


class ServiceUnavailableError(ExternalServiceError):
    """Something the engine itself needs (its database, Redis) cannot be reached; try again shortly.

    An `ExternalServiceError` (503, CLI exit 8, retried by the outbox) that also says when to retry:
    HTTP answers carry `Retry-After`.
    """

    code = "service.unavailable"

    def __init__(
        self,
        message: str,
        *,
        retry_after_seconds: int = 5,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, details={**(details or {}), "retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds
