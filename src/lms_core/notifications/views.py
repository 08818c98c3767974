"""Outputs of the notifications module."""

from __future__ import annotations

import enum
from uuid import UUID

import msgspec

from lms_core.notifications.entities import MailingList


class JobOutcome(enum.StrEnum):
    SENT = "sent"
    WOULD_SEND = "would_send"
    # Another run (or an earlier one) sent it first.
    ALREADY_SENT = "already_sent"
    OPTED_OUT = "opted_out"
    # The enrolment was dropped or expired, the account closed, or there was nothing in progress to report.
    NOT_APPLICABLE = "not_applicable"


class JobEmail(msgspec.Struct, frozen=True, kw_only=True):
    """One e-mail a job sent, or with `dry_run` would send."""

    user_id: UUID
    email: str
    enrollment_id: UUID | None = None
    course_title: str | None = None


class NotificationJobReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one run of a scheduled e-mail job did: `emails` lists what it sent (or would send)."""

    job: str
    period: str
    dry_run: bool
    candidates: int
    sent: int
    would_send: int
    already_sent: int
    opted_out: int
    not_applicable: int
    emails: list[JobEmail]


class UnsubscribeView(msgspec.Struct, frozen=True, kw_only=True):
    """The list an unsubscribe link is for, and the address that leaves (or has left) it."""

    mailing_list: MailingList
    email: str
    subscribed: bool
