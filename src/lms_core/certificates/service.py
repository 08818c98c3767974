"""The certificates service: issuing, verifying, downloading and revoking certificates of completion."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from uuid import UUID

from lms_core.certificates.commands import IssueMissingCertificates, ListMyCertificates, RevokeCertificate
from lms_core.certificates.entities import (
    PDF_CONTENT_TYPE,
    Certificate,
    CertificateContent,
    is_certificate_number,
    new_certificate_number,
    pdf_path_for,
)
from lms_core.certificates.errors import (
    CertificateAlreadyIssued,
    CertificateAlreadyRevoked,
    CertificateNumberTaken,
    NotCertificateManager,
    UnrenderableName,
)
from lms_core.certificates.events import CertificateIssued, CertificateRevoked
from lms_core.certificates.policy import (
    not_found,
    require_can_issue,
    require_can_revoke,
    require_can_see_certificate,
    require_completed,
)
from lms_core.certificates.ports import CertificateRenderer, IssuableEnrollment, RenderCall
from lms_core.certificates.views import (
    CertificateFile,
    CertificateVerification,
    CertificateView,
    IssueFailure,
    IssueResult,
    IssueSummary,
)
from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.enrollments.events import EnrollmentCompleted
from lms_core.enrollments.policy import not_found as enrollment_not_found
from lms_core.files.ports import FileStorage
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.errors import ExternalServiceError, LmsError
from lms_core.shared.events import DomainEvent
from lms_core.shared.ids import UserId, new_id
from lms_core.shared.pagination import Page
from lms_core.shared.ports import Transaction, UnitOfWork

log = logging.getLogger("lms.certificates")

VERIFY_PATH = "/api/v1/certificates/verify/"
# Fresh numbers drawn when one is taken; 32 random bits a day make even a second draw unlikely.
NUMBER_ATTEMPTS = 5
BATCH_PAGE = 200


class CertificateService:
    """Certificates of completion.

    Rules:
    - a certificate is issued for a completed enrolment only (409 otherwise), at most one per enrolment
      (a unique constraint); issuing is idempotent: asking again, or losing a race to a concurrent
      issuer, answers the enrolment's existing certificate with `created=False`;
    - it is issued automatically when an enrolment completes (`EnrollmentCompleted`), on request by the
      course's instructor or an admin, and in batches by operators (`issue_missing`);
    - its number is `CERT-`, the date of issue as `YYYYMMDD`, `-` and 8 upper-case hex digits (32 random
      bits), unique; a taken number is drawn again;
    - a certificate row exists only once its PDF is stored: render, store the PDF at
      `certificates/{yyyy}/{number}.pdf`, then insert the row (stamping the enrolment's
      `certificate_issued_at`); a PDF whose row lost a race is deleted again; a name the renderer cannot
      draw fails with `UnrenderableName` and leaves nothing behind;
    - rendering is CPU work and runs off the event loop;
    - a certificate is visible (listed, downloaded) to its holder, the course's instructor and admins,
      and to nobody else (404); the instructor and admins revoke it, with a reason; a revoked certificate
      stays downloadable by them, and verification says it is revoked;
    - verification by number is public and tells only whether the certificate stands, what it
      certifies (student name, course title) and its dates.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        storage: FileStorage,
        renderer: CertificateRenderer,
        public_base_url: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._storage = storage
        self._renderer = renderer
        self._base_url = public_base_url.rstrip("/")

    def verification_url(self, certificate_number: str) -> str:
        return f"{self._base_url}{VERIFY_PATH}{certificate_number}"

    @property
    def renderer_name(self) -> str:
        return self._renderer.name

    # -- issuing --------------------------------------------------------------------------------

    async def generate(self, actor: Actor, enrollment_id: UUID) -> IssueResult:
        """Issue the certificate of a completed enrolment (its course's instructor, admins); idempotent."""
        async with self._uow.begin(write=False) as tx:
            enrollment = await tx.certificates.issuable(enrollment_id)
            if enrollment is None:
                raise enrollment_not_found(enrollment_id)
            require_can_issue(actor, enrollment)
            existing = await tx.certificates.get_for_enrollment(enrollment_id)
        if existing is not None:
            return IssueResult(certificate=self._view(existing), created=False)
        require_completed(enrollment)
        return await self._issue(enrollment, self._render_in_thread)

    async def on_enrollment_completed(self, event: DomainEvent) -> None:
        """Outbox handler of `EnrollmentCompleted`: issue the certificate once (idempotent).

        A name the renderer cannot draw is logged and not retried (it would fail again); `lms
        certificates issue` catches up once the name is corrected. Anything else (storage down) raises,
        and the outbox retries.
        """
        if not isinstance(event, EnrollmentCompleted):
            return
        async with self._uow.begin(write=False) as tx:
            enrollment = await tx.certificates.issuable(event.enrollment_id)
            existing = await tx.certificates.get_for_enrollment(event.enrollment_id)
        if enrollment is None or existing is not None or enrollment.status is not EnrollmentStatus.COMPLETED:
            return
        try:
            await self._issue(enrollment, self._render_in_thread)
        except UnrenderableName as exc:
            log.warning("certificate of enrolment %s not issued: %s", event.enrollment_id, exc.message)

    async def count_missing(self, actor: Actor, command: IssueMissingCertificates) -> int:
        """How many completed enrolments lack their certificate (operators and admins)."""
        _require_admin(actor)
        async with self._uow.begin(write=False) as tx:
            return await tx.certificates.count_missing(course_id=command.course_id)

    async def issue_missing(
        self,
        actor: Actor,
        command: IssueMissingCertificates,
        *,
        render: RenderCall | None = None,
        concurrency: int = 4,
        on_progress: Callable[[], None] | None = None,
    ) -> IssueSummary:
        """Issue every missing certificate of completed enrolments (operators and admins).

        `render` draws one PDF (default: the renderer in a thread; the CLI passes a process pool), with up
        to `concurrency` certificates in flight. Safe to run twice and to interrupt: a certificate is
        recorded only once its PDF is stored, and the next run picks up what is still missing.
        """
        _require_admin(actor)
        render = render or self._render_in_thread
        gate = asyncio.Semaphore(max(1, concurrency))
        issued = already = 0
        failed: list[IssueFailure] = []

        async def one(enrollment: IssuableEnrollment) -> None:
            nonlocal issued, already
            async with gate:
                try:
                    result = await self._issue(enrollment, render)
                except LmsError as exc:  # this enrolment only (an unrenderable name): report it, go on
                    failed.append(
                        IssueFailure(enrollment_id=enrollment.enrollment_id, code=exc.code, message=exc.message)
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

    async def _issue(self, enrollment: IssuableEnrollment, render: RenderCall) -> IssueResult:
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
                verification_url=self.verification_url(number),
            )
            pdf = await render(content)
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
            try:
                await self._record(certificate)
            except CertificateNumberTaken:
                # A concurrent issuer drew the same number; the object at `path` may be theirs: leave it.
                continue
            except CertificateAlreadyIssued:
                await self._storage.delete(path)
                return await self._existing(enrollment.enrollment_id)
            return IssueResult(certificate=self._view(certificate), created=True)
        raise ExternalServiceError("could not draw an unused certificate number", code="certificates.no_number")

    async def _record(self, certificate: Certificate) -> None:
        """Insert the row; if that surely did not happen, delete the PDF stored for it (and re-raise)."""
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
        except (CertificateAlreadyIssued, CertificateNumberTaken):
            raise  # the caller knows whose object the path holds
        except BaseException:
            # Interrupted or failed before the commit was sent: no row refers to the PDF. Once the commit
            # is under way its outcome is unknown, and a PDF without a row is better than the reverse.
            if not committing:
                await asyncio.shield(self._storage.delete(certificate.pdf_path))
            raise

    async def _existing(self, enrollment_id: UUID) -> IssueResult:
        async with self._uow.begin(write=False) as tx:
            existing = await tx.certificates.get_for_enrollment(enrollment_id)
        if existing is None:  # the winner's row is committed before its unique key turns us away
            raise CertificateAlreadyIssued("the enrolment already has a certificate")
        return IssueResult(certificate=self._view(existing), created=False)

    async def _render_in_thread(self, content: CertificateContent) -> bytes:
        return await asyncio.to_thread(self._renderer.render, content)

    # -- reading --------------------------------------------------------------------------------

    async def my_certificates(self, actor: Actor, query: ListMyCertificates) -> Page[CertificateView]:
        """The caller's certificates, newest first."""
        student_id = actor.require_user()
        async with self._uow.begin(write=False) as tx:
            items, total = await tx.certificates.list_for_student(
                student_id, page=query.page, page_size=query.page_size
            )
        return Page(items=[self._view(c) for c in items], total=total, page=query.page, page_size=query.page_size)

    async def download(self, actor: Actor, certificate_id: UUID) -> CertificateFile:
        """The certificate's PDF (its holder, the course's instructor, admins)."""
        async with self._uow.begin(write=False) as tx:
            certificate = await _load(tx, certificate_id)
            require_can_see_certificate(actor, certificate, await _instructor_of(tx, certificate))
        try:
            content = await self._storage.get_bytes(certificate.pdf_path)
        except FileNotFoundError as exc:
            raise ExternalServiceError(
                "the certificate's PDF is missing from storage", code="certificates.file_missing"
            ) from exc
        return CertificateFile(
            filename=f"{certificate.certificate_number}.pdf", content_type=PDF_CONTENT_TYPE, content=content
        )

    async def verify(self, actor: Actor, certificate_number: str) -> CertificateVerification:
        """Public: whether the certificate with this number stands, and what it certifies."""
        number = certificate_number.strip().upper()
        if not is_certificate_number(number):
            raise not_found(certificate_number)
        async with self._uow.begin(write=False) as tx:
            certificate = await tx.certificates.get_by_number(number)
        if certificate is None:
            raise not_found(number)
        return CertificateVerification.of(certificate)

    # -- revoking -------------------------------------------------------------------------------

    async def revoke(self, actor: Actor, certificate_id: UUID, command: RevokeCertificate) -> CertificateView:
        """Revoke a certificate, with a reason (the course's instructor, admins); once only."""
        async with self._uow.begin() as tx:
            return await self._revoke(tx, actor, await _load(tx, certificate_id), command)

    async def revoke_by_number(
        self, actor: Actor, certificate_number: str, command: RevokeCertificate
    ) -> CertificateView:
        """`revoke`, the certificate named by its number."""
        number = certificate_number.strip().upper()
        async with self._uow.begin() as tx:
            certificate = await tx.certificates.get_by_number(number) if is_certificate_number(number) else None
            if certificate is None:
                raise not_found(certificate_number)
            return await self._revoke(tx, actor, certificate, command)

    async def _revoke(
        self, tx: Transaction, actor: Actor, certificate: Certificate, command: RevokeCertificate
    ) -> CertificateView:
        require_can_revoke(actor, certificate, await _instructor_of(tx, certificate))
        revoked = await tx.certificates.revoke(
            certificate.id, at=self._clock.now(), reason=command.reason.strip(), by=actor.user_id
        )
        if not revoked:
            raise CertificateAlreadyRevoked(
                "the certificate is already revoked", details={"certificate_number": certificate.certificate_number}
            )
        await tx.outbox.add(
            CertificateRevoked(
                certificate_id=certificate.id,
                certificate_number=certificate.certificate_number,
                student_id=certificate.student_id,
                course_id=certificate.course_id,
            )
        )
        updated = await _load(tx, certificate.id)
        await tx.commit()
        return self._view(updated)

    def _view(self, certificate: Certificate) -> CertificateView:
        return CertificateView.of(certificate, self.verification_url(certificate.certificate_number))


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotCertificateManager("only operators and admins issue certificates in batches")


async def _load(tx: Transaction, certificate_id: UUID) -> Certificate:
    certificate = await tx.certificates.get(certificate_id)
    if certificate is None:
        raise not_found(certificate_id)
    return certificate


async def _instructor_of(tx: Transaction, certificate: Certificate) -> UserId:
    course = await tx.courses.get(certificate.course_id)
    if course is None:  # certificates keep their course (RESTRICT); only a broken database gets here
        raise not_found(certificate.id)
    return course.instructor_id
