"""Ports of the notifications module: the record of sent e-mails, the links they carry, the signed
unsubscribe tokens, and a job's progress for whoever watches it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_core.notifications.entities import CourseInProgress, InactiveEnrollment, MailingList, NotificationKey
from lms_core.shared.ids import UserId


class SentNotificationRepository(Protocol):
    async def claim(self, key: NotificationKey, *, user_id: UserId, now: datetime) -> bool:
        """Record that the e-mail `key` names is being sent; False when it already is recorded (by this
        transaction's rivals too: a concurrent claim of the same key waits for theirs to end)."""
        ...

    async def is_claimed(self, key: NotificationKey) -> bool: ...

    async def weekly_candidates(self, week: str) -> list[UserId]:
        """The active accounts with an active enrolment that have no summary recorded for `week`, by id."""
        ...

    async def courses_in_progress(self, user_id: UserId) -> list[CourseInProgress]:
        """The learner's active enrolments with their courses' titles, by course title."""
        ...

    async def inactive_enrollments(self, *, inactive_before: datetime) -> list[InactiveEnrollment]:
        """Active enrolments of active accounts whose last activity (else their enrolment) is at or before
        `inactive_before` and that have had no reminder since then, by enrolment id."""
        ...


class NotificationLinks(Protocol):
    """The absolute addresses the e-mails carry (on `LMS_PUBLIC_BASE_URL`)."""

    def course(self, course_id: UUID) -> str: ...

    def certificate_download(self, certificate_id: UUID) -> str: ...

    def certificate_verification(self, certificate_number: str) -> str: ...

    def unsubscribe_page(self, token: str) -> str:
        """The page a person opens from the e-mail's text: it asks before unsubscribing."""
        ...

    def one_click_unsubscribe(self, token: str) -> str:
        """The address of the `List-Unsubscribe` header: one POST unsubscribes (RFC 8058)."""
        ...


class UnsubscribeTokens(Protocol):
    """Signed tokens naming an account and a mailing list; they do not expire (an old e-mail's link works)."""

    def issue(self, user_id: UserId, mailing_list: MailingList) -> str: ...

    def read(self, token: str) -> tuple[UserId, MailingList]:
        """The account and list a token names; `InvalidUnsubscribeToken` for one not signed by this engine."""
        ...
