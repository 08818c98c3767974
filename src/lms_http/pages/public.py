"""The public pages: what runs at `/`, and a certificate's verification for whoever holds its number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath

from lms_core import Actor, Lms
from lms_core.certificates.errors import CertificateNotFound
from lms_core.certificates.views import CertificateVerification
from lms_core.shared.errors import LmsError
from lms_http.auth import provide_anonymous_actor
from lms_http.docs_assets import DOCS_PATH
from lms_http.errors import handle_lms_error
from lms_http.pages.rendering import (
    API_BASE,
    CERTIFICATE_PAGE_PATH,
    HTML,
    ISSUER_STATE_KEY,
    SITE_NAME,
    VARY,
    capitalized,
    day_of,
    error_page,
    prefers_html,
    render_page,
)


@dataclass
class WithHtmlPage(Operation):
    """An API operation whose 200 is also a page, for a client that prefers `text/html`."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.content = {**(ok.content or {}), HTML: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))}


class About(msgspec.Struct, frozen=True, kw_only=True):
    """What is running at this address, and where to go from here."""

    name: str
    version: str
    api: str
    docs: str
    openapi: str
    health: str


def _about(request: Request[Any, Any, Any]) -> About:
    # The version the API document states: one number for what is running, wherever it is read.
    config = request.app.openapi_config
    return About(
        name=SITE_NAME,
        version=config.version if config is not None else "",
        api=API_BASE,
        docs=f"{DOCS_PATH}/swagger",
        openapi=f"{DOCS_PATH}/openapi.json",
        health="/health",
    )


@get("/", include_in_schema=False, sync_to_thread=False)
def home(request: Request[Any, Any, Any]) -> Response[Any]:
    """The server's name and version, and links to the API and its documentation."""
    if prefers_html(request):
        return render_page("home.html", headers=VARY, about=_about(request))
    return Response(_about(request), headers=VARY)


# -- certificates -----------------------------------------------------------------------------


def _certificate_page(request: Request[Any, Any, Any], certificate: CertificateVerification) -> Response[str]:
    status = "valid" if certificate.valid else "revoked"
    description = (
        f"{certificate.student_name} completed “{certificate.course_title}” on {day_of(certificate.completion_date)}. "
        f"Certificate {certificate.certificate_number} is {status}."
    )
    return render_page(
        "certificate.html",
        headers=VARY,
        certificate=certificate,
        title=f"Certificate of completion: {certificate.course_title}",
        description=description,
        # The address this page was opened at: a shared link previews under the address that was shared.
        url=str(request.url.with_replacements(query="", fragment="")),
        issuer=request.app.state.get(ISSUER_STATE_KEY) or f"{SITE_NAME} at {request.url.netloc}",
    )


async def certificate_verification(
    request: Request[Any, Any, Any], lms: Lms, anonymous: Actor, certificate_number: str
) -> Response[Any]:
    """A certificate's verification: a page for a browser, the JSON view (or its problem) for the rest."""
    if not prefers_html(request):
        try:
            return Response(await lms.certificates.verify(anonymous, certificate_number), headers=VARY)
        except LmsError as exc:
            problem = handle_lms_error(request, exc)
            problem.headers.update(VARY)
            return problem
    try:
        certificate = await lms.certificates.verify(anonymous, certificate_number)
    except CertificateNotFound as exc:
        return error_page(
            exc,
            "No such certificate",
            [
                f"No certificate has the number {certificate_number}.",
                "Check the number printed on the certificate, or scan its QR code again.",
            ],
            extra=VARY,
        )
    except LmsError as exc:
        return error_page(exc, "The certificate could not be checked", [capitalized(exc.message)], extra=VARY)
    return _certificate_page(request, certificate)


@get(
    f"{CERTIFICATE_PAGE_PATH}/{{certificate_number:str}}",
    include_in_schema=False,
    dependencies={"anonymous": Provide(provide_anonymous_actor)},
)
async def certificate_page(
    request: Request[Any, Any, Any],
    lms: NamedDependency[Lms],
    anonymous: NamedDependency[Actor],
    certificate_number: FromPath[str],
) -> Response[Any]:
    """The short address of a certificate's verification, the same answers as the API's."""
    return await certificate_verification(request, lms, anonymous, certificate_number)
