"""Issuing certificates: on request, on completion, and in batches, one certificate at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from uuid import UUID

from lms_core.certificates.commands import IssueMissingCertificates
from lms_core.certificates.entities import (
    PDF_CONTENT_TYPE,
    Certificate,
    CertificateContent,
    CertificateIssueFailure,
    new_certificate_number,
    pdf_path_for,
)
from lms_core.certificates.errors import CertificateAlreadyIssued, CertificateNumberTaken, UnrenderableName
from lms_core.certificates.events import CertificateIssued
from lms_core.certificates.policy import (
    require_can_issue,
    require_can_issue_in_batches,
    require_can_see_enrollment,
    require_completed,
)
from lms_core.certificates.ports import CertificateLinks, CertificateRenderer, IssuableEnrollment, RenderCall
from lms_core.certificates.views import (
    CertificateStatusView,
    CertificateView,
    IssueFailure,
    IssueResult,
    IssueSummary,
)
from lms_core.courses.access import load_course
from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.enrollments.events import EnrollmentCompleted
from lms_core.enrollments.policy import not_found as enrollment_not_found
from lms_core.files.ports import FileStorage
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.errors import ExternalServiceError, LmsError
from lms_core.shared.events import DomainEvent
from lms_core.shared.ids import new_id
from lms_core.shared.ports import Transaction, UnitOfWork

log = logging.getLogger("lms.certificates")

# Fresh numbers drawn when one is taken; 32 random bits a day make even a second draw unlikely.
NUMBER_ATTEMPTS = 5
BATCH_PAGE = 200


class IssuingUseCases:
    """The issuing use cases `CertificateService` delegates to (its docstring lists their rules).

    Issuing one certificate is one write transaction, preceded by the rendering and the storing of its
    PDF, which hold no transaction: a batch is that, once per enrolment, so that it can be interrupted
    and resumed.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        storage: FileStorage,
        renderer: CertificateRenderer,
        links: CertificateLinks,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._storage = storage
        self._renderer = renderer
        self._links = links

    async def generate(self, actor: Actor, enrollment_id: UUID) -> IssueResult:
        async with self._uow.begin(write=False) as tx:
            enrollment = await tx.certificates.issuable(enrollment_id)
            if enrollment is None:
                raise enrollment_not_found(enrollment_id)
            require_can_issue(actor, enrollment)
            existing = await tx.certificates.get_for_enrollment(enrollment_id)
        if existing is not None:
            return IssueResult(certificate=self.view(existing), created=False)
        require_completed(enrollment)
        return await self._issue(enrollment, self._render_in_thread)

    async def status(self, actor: Actor, enrollment_id: UUID) -> CertificateStatusView:
        async with self._uow.begin(write=False) as tx:
            enrollment = await tx.certificates.issuable(enrollment_id)
            if enrollment is None:
                raise enrollment_not_found(enrollment_id)
            require_can_see_enrollment(actor, enrollment)
            existing = await tx.certificates.get_for_enrollment(enrollment_id)
            failure = None if existing is not None else await tx.certificates.failure_for(enrollment_id)
        if existing is not None:
            return CertificateStatusView(
                enrollment_id=enrollment_id, certificate_status="issued", certificate=self.view(existing)
            )
        if enrollment.status is not EnrollmentStatus.COMPLETED:
            return CertificateStatusView(enrollment_id=enrollment_id, certificate_status="not_completed")
        return CertificateStatusView(
            enrollment_id=enrollment_id,
            certificate_status="pending",
            certificate_pending_reason=None if failure is None else failure.reason,
            certificate_pending_code=None if failure is None else failure.code,
            certificate_pending_since=None if failure is None else failure.failed_at,
        )

    async def on_enrollment_completed(self, event: DomainEvent) -> None:
        if not isinstance(event, EnrollmentCompleted):
            return
        async with self._uow.begin(write=False) as tx:
            enrollment = await tx.certificates.issuable(event.enrollment_id)
            existing = await tx.certificates.get_for_enrollment(event.enrollment_id)
        if enrollment is None or existing is not None or enrollment.status is not EnrollmentStatus.COMPLETED:
            return
        try:
            await self._issue(enrollment, self._render_in_thread)
        except UnrenderableName as exc:  # recorded for the learner and managers to see; retrying would fail again
            log.warning("certificate of enrolment %s not issued: %s", event.enrollment_id, exc.message)

    async def count_missing(self, actor: Actor, command: IssueMissingCertificates) -> int:
        require_can_issue_in_batches(actor)
        async with self._uow.begin(write=False) as tx:
            await _require_target(tx, command)
            return await tx.certificates.count_missing(course_id=command.course_id)

    async def issue_missing(
        self,
        actor: Actor,
        command: IssueMissingCertificates,
        *,
        render: RenderCall | None,
        concurrency: int,
        on_progress: Callable[[], None] | None,
    ) -> IssueSummary:
        require_can_issue_in_batches(actor)
        async with self._uow.begin(write=False) as tx:
            await _require_target(tx, command)
            # Those issued before this run; certificates a concurrent issuer records during it are added below.
            already = await tx.certificates.count_issued(course_id=command.course_id)
        render = render or self._render_in_thread
        gate = asyncio.Semaphore(max(1, concurrency))
        issued = 0
        failed: list[IssueFailure] = []

        async def one(enrollment: IssuableEnrollment) -> None:
            nonlocal issued, already
            async with gate:
                try:
                    result = await self._issue(enrollment, render)
                except LmsError as exc:  # this enrolment only (an unrenderable name): report it, go on
                    failed.append(
                        IssueFailure(
                            enrollment_id=enrollment.enrollment_id,
                            code=exc.code,
                            message=exc.message,
                            student_name=enrollment.student_name,
                            student_email=enrollment.student_email,
                        )
                    )
                else:
                    if result.created:
                        issued += 1
                    else:
                        already += 1
                if on_progress is not None:
                    on_progress()

        after: UUID | None = None
        while True:
            async with self._uow.begin(write=False) as tx:
                batch = await tx.certificates.missing(course_id=command.course_id, after=after, limit=BATCH_PAGE)
            if not batch:
                break
            try:
                async with asyncio.TaskGroup() as group:
                    for enrollment in batch:
                        group.create_task(one(enrollment))
            except BaseExceptionGroup as errors:  # the first failure (storage down...) as itself
                raise errors.exceptions[0] from None
            after = batch[-1].enrollment_id
        return IssueSummary(issued=issued, already_issued=already, failed=failed)

    def view(self, certificate: Certificate) -> CertificateView:
        return CertificateView.of(certificate, self._links.verification_url(certificate.certificate_number))

    # -- issuing one certificate ----------------------------------------------------------------

    async def _issue(self, enrollment: IssuableEnrollment, render: RenderCall) -> IssueResult:
        """Render, store the PDF, then record the row in one transaction; a taken number is drawn again."""
        assert enrollment.completed_at is not None
        for _ in range(NUMBER_ATTEMPTS):
            issued_at = self._clock.now()
            number = new_certificate_number(issued_at)
            path = pdf_path_for(number)
            if await self._storage.exists(path):  # the number is someone else's: never overwrite their PDF
                continue
            content = CertificateContent(
                student_name=enrollment.student_name,
                course_title=enrollment.course_title,
                instructor_name=enrollment.instructor_name,
                completion_date=enrollment.completed_at.date(),
                certificate_number=number,
                verification_url=self._links.verification_url(number),
            )
            try:
                pdf = await render(content)
            except UnrenderableName as exc:
                await self._record_failure(enrollment.enrollment_id, exc)
                raise
            certificate = Certificate(
                id=new_id(),
                enrollment_id=enrollment.enrollment_id,
                student_id=enrollment.student_id,
                course_id=enrollment.course_id,
                certificate_number=number,
                pdf_path=path,
                student_name=enrollment.student_name,
                course_title=enrollment.course_title,
                instructor_name=enrollment.instructor_name,
                completion_date=enrollment.completed_at,
                issued_at=issued_at,
                renderer=self._renderer.name,
            )
            await self._storage.put_bytes(path, pdf, content_type=PDF_CONTENT_TYPE)
            committing = False
            try:
                async with self._uow.begin() as tx:
                    await tx.certificates.add(certificate)
                    await tx.outbox.add(
                        CertificateIssued(
                            certificate_id=certificate.id,
                            certificate_number=certificate.certificate_number,
                            enrollment_id=certificate.enrollment_id,
                            student_id=certificate.student_id,
                            course_id=certificate.course_id,
                        )
                    )
                    committing = True
                    await tx.commit()
            except CertificateNumberTaken:
                # A concurrent issuer drew the same number; the object at `path` may be theirs: leave it.
                continue
            except CertificateAlreadyIssued:
                await self._storage.delete(path)
                return await self._existing(enrollment.enrollment_id)
            except BaseException:
                # Interrupted or failed before the commit was sent: no row refers to the PDF. Once the commit
                # is under way its outcome is unknown, and a PDF without a row is better than the reverse.
                if not committing:
                    await asyncio.shield(self._storage.delete(path))
                raise
            return IssueResult(certificate=self.view(certificate), created=True)
        raise ExternalServiceError("could not draw an unused certificate number", code="certificates.no_number")

    async def _record_failure(self, enrollment_id: UUID, error: LmsError) -> None:
        """Keep why the certificate is pending, for the learner and the course's managers to see; issuing it
        later forgets the reason in the same transaction as the certificate's row."""
        field = error.details.get("field") if isinstance(error.details, dict) else None
        failure = CertificateIssueFailure(
            enrollment_id=enrollment_id,
            code=error.code,
            reason=error.message,
            field=field if isinstance(field, str) else None,
            failed_at=self._clock.now(),
        )
        async with self._uow.begin() as tx:
            await tx.certificates.record_failure(failure)
            await tx.commit()

    async def _existing(self, enrollment_id: UUID) -> IssueResult:
        """The certificate that won the race; read anew, as the losing transaction is gone."""
        async with self._uow.begin(write=False) as tx:
            existing = await tx.certificates.get_for_enrollment(enrollment_id)
        if existing is None:  # the winner's row is committed before its unique key turns us away
            raise CertificateAlreadyIssued("the enrolment already has a certificate")
        return IssueResult(certificate=self.view(existing), created=False)

    async def _render_in_thread(self, content: CertificateContent) -> bytes:
        return await asyncio.to_thread(self._renderer.render, content)


async def _require_target(tx: Transaction, command: IssueMissingCertificates) -> None:
    """The course a batch is limited to must exist: an unknown one is `CourseNotFound`, not an empty batch."""
    if command.course_id is not None:
        await load_course(tx, command.course_id)
