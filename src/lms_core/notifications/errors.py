"""Errors of the notifications module."""

from __future__ import annotations

from lms_core.shared.errors import InvalidInputError, PermissionDeniedError


class InvalidUnsubscribeToken(InvalidInputError):
    """The unsubscribe link is cut short, altered, or names an account that no longer exists."""

    code = "notifications.invalid_unsubscribe_token"


class NotNotificationsOperator(PermissionDeniedError):
    """Only the system (a scheduler, the CLI) and admins run the scheduled e-mail jobs."""

    code = "notifications.not_allowed"
