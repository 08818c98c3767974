"""Ports the whole engine shares: the unit of work (one transaction at a time, exposing every repository)
and the health probes of its dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lms_core.auth.ports import OneTimeTokenRepository, RefreshTokenRepository
    from lms_core.certificates.ports import CertificateRepository
    from lms_core.courses.ports import CourseRepository, LessonRepository
    from lms_core.enrollments.ports import EnrollmentRepository, LessonProgressRepository
    from lms_core.files.ports import FileRepository
    from lms_core.notifications.ports import SentNotificationRepository
    from lms_core.payments.ports import (
        PaymentRepository,
        PaymentWebhookEventRepository,
        SubscriptionRepository,
    )
    from lms_core.quizzes.ports import (
        AttemptRepository,
        GradeAuditRepository,
        GradingBatchStore,
        QuestionRepository,
        QuizRepository,
    )
    from lms_core.shared.outbox_ports import OutboxRepository
    from lms_core.users.ports import UserRepository
    from lms_core.webhooks.ports import WebhookRepository


class Transaction(Protocol):
    """A database transaction with the repositories bound to it.

    Leaving the `UnitOfWork.begin()` block without `commit()` rolls everything back.
    """

    @property
    def users(self) -> UserRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...

    @property
    def one_time_tokens(self) -> OneTimeTokenRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def courses(self) -> CourseRepository: ...

    @property
    def lessons(self) -> LessonRepository: ...

    @property
    def enrollments(self) -> EnrollmentRepository: ...

    @property
    def lesson_progress(self) -> LessonProgressRepository: ...

    @property
    def quizzes(self) -> QuizRepository: ...

    @property
    def quiz_questions(self) -> QuestionRepository: ...

    @property
    def quiz_attempts(self) -> AttemptRepository: ...

    @property
    def grade_audit(self) -> GradeAuditRepository: ...

    @property
    def grading_batch(self) -> GradingBatchStore: ...

    @property
    def files(self) -> FileRepository: ...

    @property
    def certificates(self) -> CertificateRepository: ...

    @property
    def notifications(self) -> SentNotificationRepository: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def payment_webhook_events(self) -> PaymentWebhookEventRepository: ...

    async def commit(self) -> None: ...

    def after_commit(self, callback: Callable[[], Awaitable[None] | None]) -> None:
        """Run `callback` once the transaction has committed (never if it rolls back)."""
        ...


class UnitOfWork(Protocol):
    def begin(self, *, write: bool = True) -> AbstractAsyncContextManager[Transaction]:
        """Open a transaction. `write=False` promises no writes, letting the database skip write locks."""
        ...


class HealthProbe(Protocol):
    """One dependency the engine needs to serve (`name`: `database`, `redis`); `check` raises if it
    cannot be reached."""

    name: str

    async def check(self) -> None: ...


class JobProgress(Protocol):
    """Told how many items a long job has, then once per item handled (a progress bar)."""

    def started(self, total: int) -> None: ...

    def advanced(self) -> None: ...
