"""The notifications service: course e-mails from learning events, weekly summaries, reminders, unsubscribing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from uuid import UUID

from lms_core.certificates.events import CertificateIssued
from lms_core.emails.entities import EmailContext, EmailTemplate
from lms_core.emails.events import EmailRequested
from lms_core.enrollments.entities import Enrollment, EnrollmentStatus, as_percentage
from lms_core.enrollments.events import EnrollmentCompleted, StudentEnrolled
from lms_core.notifications.commands import SendReminders, SendWeeklyProgress, Unsubscribe
from lms_core.notifications.entities import (
    InactiveEnrollment,
    MailingList,
    NotificationKey,
    enrolment_has_ended,
    iso_week,
    leaving,
    receives,
)
from lms_core.notifications.errors import InvalidUnsubscribeToken
from lms_core.notifications.policy import require_operator
from lms_core.notifications.ports import NotificationLinks, UnsubscribeTokens
from lms_core.notifications.views import JobEmail, JobOutcome, NotificationJobReport, UnsubscribeView
from lms_core.payments.events import PaymentSucceeded
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.events import DomainEvent
from lms_core.shared.ids import UserId
from lms_core.shared.ports import JobProgress, Transaction, UnitOfWork
from lms_core.users.entities import User
from lms_core.users.service import UserService


class NotificationService:
    """Decides which course e-mails go out, and records each as `EmailRequested` for the emails module.

    Rules:
    - the enrolled, completed and certificate e-mails follow the `StudentEnrolled`, `EnrollmentCompleted`
      and `CertificateIssued` events; they are transactional (no opt-out) but stop for an enrolment that has
      ended (dropped, expired) and for a closed account, as read when the event is handled;
    - the weekly progress summary (once per learner and ISO week, listing their active enrolments) and the
      reminder (once per active enrolment and inactivity period: nothing done for `inactive_days` days since
      the last activity, else since enrolling) are optional: a learner who left the list gets none, and each
      carries a signed one-click unsubscribe link;
    - every e-mail is sent at most once: its key is stored unique in the transaction that records it, so
      a redelivered event, a second run of a job or two runs at once send it once;
    - the jobs are for the system (a scheduler, the CLI) and admins; a dry run records nothing and reports
      what it would send; unsubscribing needs no account, the signed token is the credential.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        links: NotificationLinks,
        tokens: UnsubscribeTokens,
        users: UserService,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._links = links
        self._tokens = tokens
        self._users = users

    # -- e-mails that follow events ---------------------------------------------------------------

    async def on_student_enrolled(self, event: DomainEvent) -> None:
        """Outbox handler: the "you are enrolled" e-mail."""
        if not isinstance(event, StudentEnrolled):
            raise TypeError(f"on_student_enrolled cannot handle {type(event).__name__}")

        await self._course_email(
            event.student_id,
            event.enrollment_id,
            event.course_id,
            EmailTemplate.COURSE_ENROLLED,
            lambda enrollment: NotificationKey.enrolled(enrollment.id, enrollment.enrolled_at),
        )

    async def on_enrollment_completed(self, event: DomainEvent) -> None:
        """Outbox handler: the congratulation e-mail."""
        if not isinstance(event, EnrollmentCompleted):
            raise TypeError(f"on_enrollment_completed cannot handle {type(event).__name__}")

        await self._course_email(
            event.student_id,
            event.enrollment_id,
            event.course_id,
            EmailTemplate.COURSE_COMPLETED,
            lambda enrollment: NotificationKey.completed(enrollment.id),
        )

    async def on_certificate_issued(self, event: DomainEvent) -> None:
        """Outbox handler: the certificate e-mail, with its download and public verification links."""
        if not isinstance(event, CertificateIssued):
            raise TypeError(f"on_certificate_issued cannot handle {type(event).__name__}")

        async def build(tx: Transaction, user: User) -> tuple[NotificationKey, EmailRequested] | None:
            certificate = await tx.certificates.get(event.certificate_id)
            enrollment = await tx.enrollments.get(event.enrollment_id)
            if certificate is None or certificate.is_revoked or enrollment is None:
                return None
            if enrolment_has_ended(enrollment.status):
                return None
            context: EmailContext = {
                "full_name": user.full_name,
                "course_title": certificate.course_title,
                "certificate_number": certificate.certificate_number,
                "download_link": self._links.certificate_download(certificate.id),
                "verify_link": self._links.certificate_verification(certificate.certificate_number),
            }
            return NotificationKey.certificate(certificate.id), _email(user, EmailTemplate.CERTIFICATE_ISSUED, context)

        await self._send_once(event.student_id, build)

    async def on_payment_succeeded(self, event: DomainEvent) -> None:
        """Outbox handler: the receipt of a purchase (transactional: it always goes, once per payment)."""
        if not isinstance(event, PaymentSucceeded):
            raise TypeError(f"on_payment_succeeded cannot handle {type(event).__name__}")

        async def build(tx: Transaction, user: User) -> tuple[NotificationKey, EmailRequested] | None:
            payment = await tx.payments.get(event.payment_id)
            if payment is None or payment.processed_at is None:
                return None
            course = None if payment.course_id is None else await tx.courses.get(payment.course_id)
            context: EmailContext = {
                "full_name": user.full_name,
                "course_title": course.title if course is not None else (payment.plan_name or ""),
                "amount": str(payment.total_amount.amount),
                "currency": payment.total_amount.currency,
                "receipt_number": receipt_number(payment.id, payment.processed_at),
                "paid_on": f"{payment.processed_at.day} {payment.processed_at:%B %Y}",
                "course_link": self._links.course(course.id) if course is not None else "",
            }
            return NotificationKey.receipt(payment.id), _email(user, EmailTemplate.PAYMENT_RECEIPT, context)

        await self._send_once(event.user_id, build)

    async def _course_email(
        self,
        student_id: UUID,
        enrollment_id: UUID,
        course_id: UUID,
        template: EmailTemplate,
        key: Callable[[Enrollment], NotificationKey],
    ) -> None:
        """An e-mail about a course the learner is enrolled in, once per key, never for an ended enrolment."""

        async def build(tx: Transaction, user: User) -> tuple[NotificationKey, EmailRequested] | None:
            enrollment = await tx.enrollments.get(enrollment_id)
            course = await tx.courses.get(course_id)
            if enrollment is None or course is None or enrolment_has_ended(enrollment.status):
                return None
            context: EmailContext = {
                "full_name": user.full_name,
                "course_title": course.title,
                "course_link": self._links.course(course.id),
            }
            return key(enrollment), _email(user, template, context)

        await self._send_once(student_id, build)

    async def _send_once(
        self,
        user_id: UUID,
        build: Callable[[Transaction, User], Awaitable[tuple[NotificationKey, EmailRequested] | None]],
    ) -> None:
        async with self._uow.begin() as tx:
            user = await tx.users.get(UserId(user_id))
            if user is None or not user.is_active:
                return
            built = await build(tx, user)
            if built is None:
                return
            key, email = built
            if not await tx.notifications.claim(key, user_id=user.id, now=self._clock.now()):
                return
            await tx.outbox.add(email)
            await tx.commit()

    # -- scheduled jobs ---------------------------------------------------------------------------

    async def send_weekly_progress(
        self, actor: Actor, command: SendWeeklyProgress, *, progress: JobProgress | None = None
    ) -> NotificationJobReport:
        """This ISO week's progress summary to each learner with a course in progress, once."""
        require_operator(actor)
        week = iso_week(self._clock.now())
        async with self._uow.begin(write=False) as tx:
            candidates = await tx.notifications.weekly_candidates(week)
        tally = _Tally("weekly-progress", week, command.dry_run, len(candidates), progress)
        for user_id in candidates:
            tally.add(await self._weekly_one(user_id, week, command.dry_run))
        return tally.report()

    async def _weekly_one(self, user_id: UserId, week: str, dry_run: bool) -> tuple[JobOutcome, JobEmail | None]:
        async with self._uow.begin(write=not dry_run) as tx:
            user = await tx.users.get(user_id)
            if user is None or not user.is_active:
                return JobOutcome.NOT_APPLICABLE, None
            if not receives(user.email_preferences, MailingList.WEEKLY_PROGRESS):
                return JobOutcome.OPTED_OUT, None
            courses = await tx.notifications.courses_in_progress(user_id)
            if not courses:
                return JobOutcome.NOT_APPLICABLE, None
            key = NotificationKey.weekly(user_id, week)
            planned = JobEmail(user_id=user.id, email=user.email)
            if dry_run:
                return (
                    (JobOutcome.ALREADY_SENT, None)
                    if await tx.notifications.is_claimed(key)
                    else (
                        JobOutcome.WOULD_SEND,
                        planned,
                    )
                )
            if not await tx.notifications.claim(key, user_id=user.id, now=self._clock.now()):
                return JobOutcome.ALREADY_SENT, None
            context: EmailContext = {
                "full_name": user.full_name,
                "week": week,
                "courses": [
                    {
                        "title": course.course_title,
                        "progress": f"{as_percentage(course.progress_bp)}",
                        "completed_lessons": str(course.completed_lessons),
                        "total_lessons": str(course.total_lessons),
                        "link": self._links.course(course.course_id),
                    }
                    for course in courses
                ],
            }
            await tx.outbox.add(
                self._optional_email(user, EmailTemplate.WEEKLY_PROGRESS, MailingList.WEEKLY_PROGRESS, context)
            )
            await tx.commit()
            return JobOutcome.SENT, planned

    async def send_reminders(
        self, actor: Actor, command: SendReminders, *, progress: JobProgress | None = None
    ) -> NotificationJobReport:
        """A reminder for each active enrolment left alone for `inactive_days` days, once per inactivity."""
        require_operator(actor)
        now = self._clock.now()
        async with self._uow.begin(write=False) as tx:
            candidates = await tx.notifications.inactive_enrollments(
                inactive_before=now - timedelta(days=command.inactive_days)
            )
        tally = _Tally("send-reminders", f"{command.inactive_days}d", command.dry_run, len(candidates), progress)
        for candidate in candidates:
            tally.add(await self._remind_one(candidate, command))
        return tally.report()

    async def _remind_one(
        self, candidate: InactiveEnrollment, command: SendReminders
    ) -> tuple[JobOutcome, JobEmail | None]:
        now = self._clock.now()
        async with self._uow.begin(write=not command.dry_run) as tx:
            user = await tx.users.get(candidate.student_id)
            enrollment = await tx.enrollments.get(candidate.enrollment_id)
            if user is None or not user.is_active or enrollment is None:
                return JobOutcome.NOT_APPLICABLE, None
            inactive_since = enrollment.last_accessed_at or enrollment.enrolled_at
            # Read again at send time: the learner may have come back, or left, since the candidates were listed.
            if enrollment.status is not EnrollmentStatus.ACTIVE or inactive_since > now - timedelta(
                days=command.inactive_days
            ):
                return JobOutcome.NOT_APPLICABLE, None
            if not receives(user.email_preferences, MailingList.REMINDERS):
                return JobOutcome.OPTED_OUT, None
            course = await tx.courses.get(enrollment.course_id)
            if course is None:
                return JobOutcome.NOT_APPLICABLE, None
            key = NotificationKey.reminder(enrollment.id, inactive_since)
            planned = JobEmail(
                user_id=user.id, email=user.email, enrollment_id=enrollment.id, course_title=course.title
            )
            if command.dry_run:
                return (
                    (JobOutcome.ALREADY_SENT, None)
                    if await tx.notifications.is_claimed(key)
                    else (
                        JobOutcome.WOULD_SEND,
                        planned,
                    )
                )
            if not await tx.notifications.claim(key, user_id=user.id, now=now):
                return JobOutcome.ALREADY_SENT, None
            context: EmailContext = {
                "full_name": user.full_name,
                "course_title": course.title,
                "course_link": self._links.course(course.id),
                "progress": f"{enrollment.progress_percentage}",
                "inactive_days": str(max((now - inactive_since).days, command.inactive_days)),
            }
            await tx.outbox.add(
                self._optional_email(user, EmailTemplate.COURSE_REMINDER, MailingList.REMINDERS, context)
            )
            await tx.commit()
            return JobOutcome.SENT, planned

    def _optional_email(
        self, user: User, template: EmailTemplate, mailing_list: MailingList, context: EmailContext
    ) -> EmailRequested:
        token = self._tokens.issue(user.id, mailing_list)
        return EmailRequested(
            to=user.email,
            template=template,
            context={**context, "unsubscribe_link": self._links.unsubscribe_page(token)},
            list_unsubscribe=self._links.one_click_unsubscribe(token),
        )

    # -- unsubscribing ----------------------------------------------------------------------------

    async def unsubscribe_status(self, actor: Actor, command: Unsubscribe) -> UnsubscribeView:
        """What an unsubscribe link is for, changing nothing (the page asks before it unsubscribes)."""
        user_id, mailing_list = self._tokens.read(command.token)
        async with self._uow.begin(write=False) as tx:
            user = await _recipient(tx, user_id, for_update=False)
        return UnsubscribeView(
            mailing_list=mailing_list, email=user.email, subscribed=receives(user.email_preferences, mailing_list)
        )

    async def unsubscribe(self, actor: Actor, command: Unsubscribe) -> UnsubscribeView:
        """Leave the list the token names; doing it again changes nothing and answers the same."""
        user_id, mailing_list = self._tokens.read(command.token)
        async with self._uow.begin() as tx:
            user = await _recipient(tx, user_id, for_update=True)
            if user.set_email_preferences(leaving(user.email_preferences, mailing_list), self._clock.now()):
                await tx.users.save(user)
                self._users.evict_after_commit(tx, user.id)
                await tx.commit()
        return UnsubscribeView(mailing_list=mailing_list, email=user.email, subscribed=False)


async def _recipient(tx: Transaction, user_id: UserId, *, for_update: bool) -> User:
    user = await (tx.users.get_for_update(user_id) if for_update else tx.users.get(user_id))
    if user is None:
        raise InvalidUnsubscribeToken("this unsubscribe link is for an account that no longer exists")
    return user


def _email(user: User, template: EmailTemplate, context: EmailContext) -> EmailRequested:
    return EmailRequested(to=user.email, template=template, context=context)


class _Tally:
    """A job's counts as its candidates are handled, and the progress it reports."""

    def __init__(self, job: str, period: str, dry_run: bool, total: int, progress: JobProgress | None) -> None:
        self._job = job
        self._period = period
        self._dry_run = dry_run
        self._total = total
        self._progress = progress
        self._counts = dict.fromkeys(JobOutcome, 0)
        self._emails: list[JobEmail] = []
        if progress is not None:
            progress.started(total)

    def add(self, result: tuple[JobOutcome, JobEmail | None]) -> None:
        outcome, email = result
        self._counts[outcome] += 1
        if email is not None:
            self._emails.append(email)
        if self._progress is not None:
            self._progress.advanced()

    def report(self) -> NotificationJobReport:
        return NotificationJobReport(
            job=self._job,
            period=self._period,
            dry_run=self._dry_run,
            candidates=self._total,
            sent=self._counts[JobOutcome.SENT],
            would_send=self._counts[JobOutcome.WOULD_SEND],
            already_sent=self._counts[JobOutcome.ALREADY_SENT],
            opted_out=self._counts[JobOutcome.OPTED_OUT],
            not_applicable=self._counts[JobOutcome.NOT_APPLICABLE],
            emails=self._emails,
        )


def receipt_number(payment_id: UUID, paid_at: datetime) -> str:
    """A receipt number a person can read out: the year it was paid and the payment id's last 12 hex digits
    (the id's random part: unique enough to find the payment, and stable however often it is asked for)."""
    return f"RCPT-{paid_at.year}-{payment_id.hex[-12:].upper()}"
