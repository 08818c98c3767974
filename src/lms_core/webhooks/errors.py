"""Errors of the webhooks module."""

from __future__ import annotations

from lms_core.shared.errors import (
    ConflictError,
    ExternalServiceError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)


class NotWebhookAdmin(PermissionDeniedError):
    code = "webhooks.admin_only"


class WebhookEndpointNotFound(NotFoundError):
    code = "webhooks.endpoint_not_found"


class WebhookDeliveryNotFound(NotFoundError):
    code = "webhooks.delivery_not_found"


class InvalidWebhookUrl(InvalidInputError):
    """Not an absolute http(s) URL with a host, or one carrying credentials."""

    code = "webhooks.invalid_url"


class ForbiddenWebhookDestination(InvalidInputError):
    """The URL's host is, or resolves to, a loopback, link-local, private or otherwise non-public address."""

    code = "webhooks.forbidden_destination"


class UnresolvableWebhookHost(InvalidInputError):
    code = "webhooks.unresolvable_host"


class UnknownWebhookEventType(InvalidInputError):
    code = "webhooks.unknown_event_type"


class WebhookDeliveryFailed(ExternalServiceError):
    """An attempt did not get a 2xx answer; raised to the outbox so that it tries again later."""

    code = "webhooks.delivery_failed"


class WebhookDeliveryNotDue(ExternalServiceError):
    """Handed over before its `next_attempt_at`: the outbox is asked to come back later."""

    code = "webhooks.delivery_not_due"


class WebhookEndpointInactive(ConflictError):
    """Re-sending to a disabled endpoint: enable it first."""

    code = "webhooks.endpoint_inactive"
