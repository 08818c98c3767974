"""The certificates service: issuing, verifying, downloading and revoking certificates of completion."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from uuid import UUID

from lms_core.auth.ports import RateLimiter
from lms_core.certificates._issuing import IssuingUseCases
from lms_core.certificates.commands import IssueMissingCertificates, ListMyCertificates, RevokeCertificate
from lms_core.certificates.entities import PDF_CONTENT_TYPE, Certificate, is_certificate_number
from lms_core.certificates.errors import CertificateAlreadyRevoked, certificate_not_found
from lms_core.certificates.events import CertificateRevoked
from lms_core.certificates.policy import require_can_revoke, require_can_see_certificate
from lms_core.certificates.ports import CertificateLinks, CertificateRenderer, RenderCall
from lms_core.certificates.views import (
    CertificateFile,
    CertificateStatusView,
    CertificateVerification,
    CertificateView,
    IssueResult,
    IssueSummary,
)
from lms_core.courses.access import load_course
from lms_core.files.ports import FileStorage
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.errors import ExternalServiceError, RateLimitedError
from lms_core.shared.events import DomainEvent
from lms_core.shared.ids import UserId
from lms_core.shared.pagination import Page
from lms_core.shared.ports import Transaction, UnitOfWork


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
      draw fails with `UnrenderableName` and leaves nothing behind but the reason, kept (and shown to the
      learner and the course's managers as the certificate's pending reason) until it is issued;
    - rendering is CPU work and runs off the event loop;
    - a certificate is visible (listed, downloaded) to its holder, the course's instructor and admins,
      and to nobody else (404); the instructor and admins revoke it, with a reason; a revoked certificate
      stays downloadable by them, but its PDF is drawn anew with a red "REVOKED <date>" mark above the
      text (the stored PDF, as issued, is never served again), and verification says it is revoked and
      not valid;
    - verification by number is public and tells only whether the certificate stands, what it
      certifies (student name, course title) and its dates; the address of that check, printed on the
      PDF, comes from `CertificateLinks`.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        storage: FileStorage,
        renderer: CertificateRenderer,
        links: CertificateLinks,
        rate_limiter: RateLimiter,
        verify_limit: tuple[int, int] = (30, 60),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._storage = storage
        self._renderer = renderer
        self._rate_limiter = rate_limiter
        self._verify_limit = verify_limit
        self._links = links
        self._issuing = IssuingUseCases(uow=uow, clock=clock, storage=storage, renderer=renderer, links=links)

    @property
    def renderer_name(self) -> str:
        return self._renderer.name

    # -- issuing --------------------------------------------------------------------------------

    async def generate(self, actor: Actor, enrollment_id: UUID) -> IssueResult:
        """Issue the certificate of a completed enrolment (its course's instructor, admins); idempotent."""
        return await self._issuing.generate(actor, enrollment_id)

    async def certificate_status(self, actor: Actor, enrollment_id: UUID) -> CertificateStatusView:
        """Where the enrolment's certificate stands (its learner, the course's instructor, admins): issued,
        pending with the reason its issuing failed, or not yet earned."""
        return await self._issuing.status(actor, enrollment_id)

    async def on_enrollment_completed(self, event: DomainEvent) -> None:
        """Outbox handler of `EnrollmentCompleted`: issue the certificate once (idempotent).

        A name the renderer cannot draw is recorded as the certificate's pending reason (see
        `certificate_status`) and not retried (it would fail again); once the name is corrected, a manager
        issues it (`generate`), or `lms certificates issue` catches up. Anything else (storage down)
        raises, and the outbox retries.
        """
        await self._issuing.on_enrollment_completed(event)

    async def count_missing(self, actor: Actor, command: IssueMissingCertificates) -> int:
        """How many completed enrolments lack their certificate (operators and admins); an unknown course
        is `CourseNotFound`."""
        return await self._issuing.count_missing(actor, command)

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
        recorded only once its PDF is stored, and the next run picks up what is still missing. An unknown
        course is `CourseNotFound`. The summary's `already_issued` counts the completed enrolments of the
        target (the course, or all) that had their certificate before the run, or got it from a concurrent
        issuer during it; so a second run reports every certificate the first one issued.
        """
        return await self._issuing.issue_missing(
            actor, command, render=render, concurrency=concurrency, on_progress=on_progress
        )

    # -- reading --------------------------------------------------------------------------------

    async def my_certificates(self, actor: Actor, query: ListMyCertificates) -> Page[CertificateView]:
        """The caller's certificates, newest first."""
        student_id = actor.require_user()
        async with self._uow.begin(write=False) as tx:
            items, total = await tx.certificates.list_for_student(student_id, query)
        return query.page_of([self._issuing.view(c) for c in items], total)

    async def download(self, actor: Actor, certificate_id: UUID) -> CertificateFile:
        """The certificate's PDF (its holder, the course's instructor, admins); a revoked one marked so."""
        async with self._uow.begin(write=False) as tx:
            certificate = await _load(tx, certificate_id)
            require_can_see_certificate(actor, certificate, await _instructor_of(tx, certificate))
        filename = f"{certificate.certificate_number}.pdf"
        if certificate.is_revoked:
            # Drawn on each download rather than stored at revocation: revocations are rare, their PDFs
            # rarer still, and certificates revoked before the mark existed get it too.
            printed = certificate.printed_content(self._links.verification_url(certificate.certificate_number))
            marked = await asyncio.to_thread(self._renderer.render, printed)
            return CertificateFile(filename=filename, content_type=PDF_CONTENT_TYPE, content=marked)
        try:
            content = await self._storage.get_bytes(certificate.pdf_path)
        except FileNotFoundError as exc:
            raise ExternalServiceError(
                "the certificate's PDF is missing from storage", code="certificates.file_missing"
            ) from exc
        return CertificateFile(filename=filename, content_type=PDF_CONTENT_TYPE, content=content)

    async def verify(self, actor: Actor, certificate_number: str) -> CertificateVerification:
        """Public: whether the certificate with this number stands, and what it certifies.

        Limited per client address (`verify_limit`: requests, window in seconds), so that the public
        endpoint cannot be used to enumerate certificate numbers at speed.
        """
        if actor.client_ip:
            limit, window = self._verify_limit
            key = f"certificates:verify:{actor.client_ip}"
            retry_after = await self._rate_limiter.hit(key, limit=limit, window_seconds=window)
            if retry_after is not None:
                raise RateLimitedError(
                    "too many verifications; try again later",
                    retry_after_seconds=retry_after,
                    code="certificates.rate_limited",
                )
        number = certificate_number.strip().upper()
        if not is_certificate_number(number):
            raise certificate_not_found(certificate_number)
        async with self._uow.begin(write=False) as tx:
            certificate = await tx.certificates.get_by_number(number)
        if certificate is None:
            raise certificate_not_found(number)
        return CertificateVerification.of(certificate)

    # -- revoking -------------------------------------------------------------------------------

    async def revoke(self, actor: Actor, certificate_id: UUID, command: RevokeCertificate) -> CertificateView:
        """Revoke a certificate, with a reason (the course's instructor, admins); once only."""
        async with self._uow.begin() as tx:
            revoked = await self._revoke(tx, actor, await _load(tx, certificate_id), command)
            await tx.commit()
        return self._issuing.view(revoked)

    async def revoke_by_number(
        self, actor: Actor, certificate_number: str, command: RevokeCertificate
    ) -> CertificateView:
        """`revoke`, the certificate named by its number."""
        number = certificate_number.strip().upper()
        async with self._uow.begin() as tx:
            certificate = await tx.certificates.get_by_number(number) if is_certificate_number(number) else None
            if certificate is None:
                raise certificate_not_found(certificate_number)
            revoked = await self._revoke(tx, actor, certificate, command)
            await tx.commit()
        return self._issuing.view(revoked)

    async def _revoke(
        self, tx: Transaction, actor: Actor, certificate: Certificate, command: RevokeCertificate
    ) -> Certificate:
        """The revocation both use cases share, inside their transaction; the certificate as revoked."""
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
        return await _load(tx, certificate.id)


async def _load(tx: Transaction, certificate_id: UUID) -> Certificate:
    certificate = await tx.certificates.get(certificate_id)
    if certificate is None:
        raise certificate_not_found(certificate_id)
    return certificate


async def _instructor_of(tx: Transaction, certificate: Certificate) -> UserId:
    # A certificate keeps its course (the foreign key restricts deletion), so the course is always there.
    return (await load_course(tx, certificate.course_id)).instructor_id
