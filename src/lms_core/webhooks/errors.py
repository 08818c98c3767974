"""Errors of the webhooks module."""

from __future__ import annotations

from lms_core.shared.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from lms_core.shared.outbox import RetryAt


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


class WebhookDeliveryFailed(RetryAt):
    """An attempt did not get a 2xx answer; raised to the outbox, which brings the delivery back at the time
    the webhook back-off chose (`policy.next_attempt_at`)."""

    code = "webhooks.delivery_failed"


class WebhookDeliveryNotDue(RetryAt):
    """Handed over before its `next_attempt_at` (a re-queued or redelivered event): the outbox brings it back
    at that time, without counting an attempt."""

    code = "webhooks.delivery_not_due"


class WebhookEndpointInactive(ConflictError):
    """Re-sending to a disabled endpoint: enable it first."""

    code = "webhooks.endpoint_inactive"
