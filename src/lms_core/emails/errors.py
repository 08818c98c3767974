"""Errors of the emails module. Both leave the requesting event in the outbox to be retried."""

from __future__ import annotations

from lms_core.shared.errors import ExternalServiceError, LmsError


class EmailDeliveryFailed(ExternalServiceError):
    """The mail server did not take the message (refused, timed out, rejected a recipient...)."""

    code = "emails.delivery_failed"


class UnknownEmailTemplate(LmsError):
    """An event named a template the renderer does not have: an engine defect, not a caller's mistake."""

    code = "emails.unknown_template"
