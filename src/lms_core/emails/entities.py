"""E-mail templates known to the engine and the message shapes the ports exchange."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# What a template is given: strings, and for the templates that list things (the courses of a weekly
# summary) lists of string records.
EmailContext = dict[str, str | list[dict[str, str]]]


class EmailTemplate(enum.StrEnum):
    WELCOME = "welcome"
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFICATION = "email_verification"
    MFA_CODE = "mfa_code"
    # To an address someone tried to sign up with while it already has an account (private registration).
    REGISTRATION_ATTEMPT = "registration_attempt"
    # Course e-mails (notifications module): transactional, always sent while the enrolment lasts.
    COURSE_ENROLLED = "course_enrolled"
    COURSE_COMPLETED = "course_completed"
    CERTIFICATE_ISSUED = "certificate_issued"
    # Non-transactional: each carries a one-click unsubscribe link, and the learner may opt out.
    WEEKLY_PROGRESS = "weekly_progress"
    COURSE_REMINDER = "course_reminder"
    # For the payments module: a receipt of a successful payment.
    PAYMENT_RECEIPT = "payment_receipt"
    # To the admin who registered a webhook endpoint that was disabled after failing for days.
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """A message ready to send. `list_unsubscribe` is the one-click unsubscribe address of a message the
    recipient may opt out of (RFC 8058): the mailer puts it in the `List-Unsubscribe` headers."""

    sender: str
    to: str
    subject: str
    html: str
    text: str
    list_unsubscribe: str | None = None
