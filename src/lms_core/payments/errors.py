"""Errors of the payments module."""

from __future__ import annotations

from lms_core.shared.errors import (
    BadGatewayError,
    ConflictError,
    ExternalServiceError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ServiceUnavailableError,
)


class NotPaymentsAdmin(PermissionDeniedError):
    code = "payments.admin_only"


class NotAPurchaser(PermissionDeniedError):
    """Only students buy courses and subscriptions (instructors and admins have their own access)."""

    code = "payments.students_only"


class PaymentNotFound(NotFoundError):
    code = "payments.not_found"


class CourseNotForSale(ConflictError):
    """A free course needs no payment: enrol directly."""

    code = "payments.course_is_free"


class AlreadyHasAccess(ConflictError):
    code = "payments.already_enrolled"


class ProviderNotConfigured(ExternalServiceError):
    """The provider asked for has no credentials in this deployment's settings (503, and no retry-after:
    asking again will not help until an operator configures it)."""

    code = "payments.provider_not_configured"


class SubscriptionsNotSupported(InvalidInputError):
    code = "payments.subscriptions_not_supported"


class UnknownPlan(InvalidInputError):
    code = "payments.unknown_plan"


class AlreadySubscribed(ConflictError):
    code = "payments.already_subscribed"


class SubscriptionNotFound(NotFoundError):
    code = "payments.subscription_not_found"


class PaymentProviderUnavailable(ServiceUnavailableError):
    """The provider could not be reached or did not answer in time (503)."""

    code = "payments.provider_unavailable"


class PaymentProviderError(BadGatewayError):
    """The provider answered with an error (502)."""

    code = "payments.provider_error"


class InvalidWebhookSignature(InvalidInputError):
    """A webhook whose signature is missing, malformed, too old or wrong: nothing is stored or changed."""

    code = "payments.invalid_signature"


class MalformedWebhook(InvalidInputError):
    """A correctly signed webhook this engine cannot read."""

    code = "payments.malformed_webhook"


class WebhookProcessingFailed(ConflictError):
    """The event was stored but acting on it failed; the provider is answered non-2xx so that it retries."""

    code = "payments.webhook_failed"


class InvalidDateRange(InvalidInputError):
    code = "payments.invalid_date_range"


class CheckoutInProgress(ConflictError):
    """A concurrent request is creating this learner's checkout for the course; the client asks again."""

    code = "payments.checkout_in_progress"
