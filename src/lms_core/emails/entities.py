"""E-mail templates known to the engine and the message shapes the ports exchange."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class EmailTemplate(enum.StrEnum):
    WELCOME = "welcome"
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFICATION = "email_verification"
    MFA_CODE = "mfa_code"
    # To an address someone tried to sign up with while it already has an account (private registration).
    REGISTRATION_ATTEMPT = "registration_attempt"
    # To the admin who registered a webhook endpoint that was disabled after failing for days.
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    sender: str
    to: str
    subject: str
    html: str
    text: str
