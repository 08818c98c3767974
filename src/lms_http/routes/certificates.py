"""`/api/v1/certificates`: spec section 6."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, head, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody

from lms_core import Actor, Lms
from lms_core.certificates.commands import ListMyCertificates, RevokeCertificate
from lms_core.certificates.views import CertificateStatusView, CertificateVerification, CertificateView
from lms_core.shared.pagination import DEFAULT_PAGE_SIZE
from lms_http.auth import SIGNED_IN, provide_actor, provide_anonymous_actor
from lms_http.conditional import pdf_response
from lms_http.errors import problems
from lms_http.openapi import BinaryContent
from lms_http.pages import WithHtmlPage, certificate_verification
from lms_http.paging import CertificatePage, PageQuery, PageSizeQuery

IfNoneMatch = Annotated[str | None, HeaderParameter(name="If-None-Match", max_length=4096)]


class CertificatesController(Controller):
    path = "/api/v1/certificates"
    tags = ["certificates"]
    dependencies = {"actor": Provide(provide_actor), "anonymous": Provide(provide_anonymous_actor)}

    @get("/my-certificates", summary="My certificates", responses=problems(401, 422), security=SIGNED_IN)
    async def my_certificates(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> CertificatePage:
        """Any signed-in user lists the certificates issued to them, newest first, revoked ones included.
        Changes nothing.

        Errors: 401 without a valid access token; 422 a query parameter out of range."""
        return await lms.certificates.my_certificates(actor, ListMyCertificates(page=page, page_size=page_size))

    @get(
        "/{certificate_id:uuid}/download",
        media_type="application/pdf",
        summary="Download a certificate as PDF",
        responses={
            200: ResponseSpec(
                data_container=BinaryContent,
                description="The certificate as PDF",
                media_type="application/pdf",
                generate_examples=False,
            ),
            **problems(401, 404, 422, 503),
            304: ResponseSpec(data_container=None, description="Not modified (the ETag still matches)"),
        },
        security=SIGNED_IN,
    )
    async def download_certificate(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        certificate_id: FromPath[UUID],
        if_none_match: IfNoneMatch = None,
    ) -> Response[bytes]:
        """Its holder, the course's instructor and admins download the certificate's PDF (rendered once, then
        kept). Changes nothing. `If-None-Match` with its ETag gives 304.

        Errors: 401 without a valid access token; 404 `certificates.not_found` for an unknown certificate or
        one the caller may not see; 422 an `If-None-Match` header over 4096 characters; 503 the renderer or
        storage unavailable (`Retry-After`)."""
        return pdf_response(await lms.certificates.download(actor, certificate_id), if_none_match, with_body=True)

    @head("/{certificate_id:uuid}/download", include_in_schema=False, security=SIGNED_IN)
    async def download_certificate_head(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        certificate_id: FromPath[UUID],
        if_none_match: IfNoneMatch = None,
    ) -> Response[None]:
        """The headers of the PDF's download, without the body (the same access rules)."""
        return pdf_response(await lms.certificates.download(actor, certificate_id), if_none_match, with_body=False)

    @get(
        "/verify/{certificate_number:str}",
        summary="Verify a certificate by its number",
        description=(
            "Anyone (no sign-in) checks a certificate number: whether the certificate stands or was revoked, "
            "whom and which course it certifies, and its dates. Changes nothing.\n\n"
            "Errors: 404 `certificates.not_found` for an unknown number; 429 too many look-ups from the client "
            "address (`Retry-After`).\n\n"
            "A client that prefers `text/html` (a browser following the certificate's QR code) gets the same "
            "answers as a page, with Open Graph tags for link previews."
        ),
        responses=problems(404, 429),
        operation_class=WithHtmlPage,
    )
    async def verify(
        self,
        request: Request[Any, Any, Any],
        lms: NamedDependency[Lms],
        anonymous: NamedDependency[Actor],
        certificate_number: FromPath[str],
    ) -> Response[CertificateVerification]:
        """Public: whether a certificate stands, whom and what it certifies, and its dates (rate limited per
        client address: 429 with `Retry-After`). A client that prefers `text/html` (a browser following the
        QR code) gets the same as a page."""
        return await certificate_verification(request, lms, anonymous, certificate_number)

    @post(
        "/{certificate_id:uuid}/revoke",
        status_code=200,
        summary="Revoke a certificate",
        responses=problems(401, 403, 404, 409, 422),
        security=SIGNED_IN,
    )
    async def revoke_certificate(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        certificate_id: FromPath[UUID],
        data: JSONBody[RevokeCertificate],
    ) -> CertificateView:
        """The course's instructor or an admin revokes a certificate, giving a reason; verification reports it
        revoked from then on.

        Errors: 401 without a valid access token; 403 `certificates.not_allowed` for anyone else; 404
        `certificates.not_found`; 409 `certificates.already_revoked`; 422 a body that does not match
        `RevokeCertificate`, such as a missing or empty `reason`."""
        return await lms.certificates.revoke(actor, certificate_id, data)

    @post(
        "/enrollments/{enrollment_id:uuid}/generate",
        status_code=201,
        summary="Issue the certificate of a completed enrolment",
        responses={
            200: ResponseSpec(data_container=CertificateView, description="The certificate the enrolment already had"),
            **problems(401, 403, 404, 409, 422, 503),
        },
        security=SIGNED_IN,
    )
    async def generate_certificate(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], enrollment_id: FromPath[UUID]
    ) -> Response[CertificateView]:
        """The course's instructor or an admin issues the certificate of a completed enrolment, with a new
        number and its PDF (usually issued automatically on completion). Idempotent: 201 with a new
        certificate, 200 with the one the enrolment already has.

        Errors: 401 without a valid access token; 403 `certificates.not_allowed` for anyone else; 404
        `enrollments.not_found`; 409 `certificates.enrollment_not_completed`; 422
        `certificates.unrenderable_name` for a name the PDF fonts cannot show; 503 the renderer or storage
        unavailable (`Retry-After`)."""
        result = await lms.certificates.generate(actor, enrollment_id)
        return Response(result.certificate, status_code=201 if result.created else 200)

    @get(
        "/enrollments/{enrollment_id:uuid}/status",
        summary="See where an enrolment's certificate stands",
        description=(
            "The enrolment's learner, the course's instructor or an admin reads whether its certificate is "
            "`issued` (with the certificate), `pending` (issuing failed: the reason, its code and since when; "
            "a name no certificate font draws is fixed on the profile, then `POST .../generate` issues it) or "
            "`not_completed`. Changes nothing.\n\n"
            "Errors: 401 without a valid access token; 404 `enrollments.not_found` for an unknown enrolment "
            "and for anyone else's (its existence is not revealed)."
        ),
        responses=problems(401, 404),
        security=SIGNED_IN,
    )
    async def certificate_status(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], enrollment_id: FromPath[UUID]
    ) -> CertificateStatusView:
        """Where the enrolment's certificate stands (its learner, the course's instructor, admins): `issued`
        with the certificate, `pending` with the reason issuing failed (a name no certificate font draws;
        fix it, then `POST .../generate` issues it), or `not_completed`."""
        return await lms.certificates.certificate_status(actor, enrollment_id)
