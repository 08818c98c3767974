"""Pages for people: where the e-mailed links, a certificate's QR code and the server's root lead.

Server-rendered HTML from the Jinja2 templates shipped in `lms_http/templates` (autoescaped), styled by
one stylesheet the app serves itself, with no script: the pages' Content-Security-Policy allows nothing
but that stylesheet and posting forms back here (see security_headers.py). The forms need no CSRF token:
the single-use token they carry is the credential, and no cookie signs anyone in.

Like every front end they are thin: each reads a form or a path, calls one service method and renders
its view or its error. The JSON API beside them keeps its shapes; where one address serves both
(a certificate's verification, `/`), the `Accept` header picks, JSON unless the client prefers HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any

import msgspec
from jinja2 import Environment, PackageLoader, StrictUndefined
from litestar import Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import Body, FromPath, FromQuery

from lms_adapters.links import CERTIFICATE_VERIFICATION_PATH
from lms_core import Actor, ConfirmEmail, Lms, ResetPassword
from lms_core.auth.errors import InvalidOneTimeToken
from lms_core.certificates.errors import CertificateNotFound
from lms_core.certificates.views import CertificateVerification
from lms_core.shared.errors import InvalidInputError, LmsError, RateLimitedError, ServiceUnavailableError
from lms_http.auth import provide_anonymous_actor
from lms_http.docs_assets import ASSETS_PATH, DOCS_PATH
from lms_http.errors import handle_lms_error, status_for

SITE_NAME = "LMS"
API_BASE = "/api/v1"
STYLESHEET_PATH = "/assets/pages.css"
# The docs' icon: without an icon of their own, browsers would ask for `/favicon.ico` (a 404).
ICON_PATH = f"{ASSETS_PATH}/favicon-32x32.png"
VERIFY_EMAIL_PATH = "/verify-email"
RESET_PASSWORD_PATH = "/reset-password"
CERTIFICATE_PAGE_PATH = "/certificates/verify"

# The addresses of the pages, exact and by prefix (security_headers.py gives their HTML the pages' policy).
_PAGE_PATHS = frozenset({"/", VERIFY_EMAIL_PATH, RESET_PASSWORD_PATH})
_PAGE_PREFIXES = (f"{CERTIFICATE_PAGE_PATH}/", f"{CERTIFICATE_VERIFICATION_PATH}/")

HTML = "text/html"
JSON = "application/json"
# Answers whose shape depends on `Accept` say so, or a shared cache could hand a browser the JSON.
_VARY = {"Vary": "Accept"}
# The token pages carry a live secret in their form: never kept by a browser's or a proxy's cache.
_PRIVATE = {"Cache-Control": "no-store"}

_DAY_FORMAT = "%d %B %Y"
# The code of a command whose input does not have the declared shape (lms_core.shared.commands).
VALIDATION_FAILED = "request.validation_failed"


def _day(moment: datetime) -> str:
    """A date as people read it in any English-speaking country: 5 March 2026 (UTC)."""
    return moment.strftime(_DAY_FORMAT).lstrip("0")


def is_page_path(path: str) -> bool:
    return path in _PAGE_PATHS or path.startswith(_PAGE_PREFIXES)


@cache
def _templates() -> Environment:
    environment = Environment(
        loader=PackageLoader("lms_http", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["day"] = _day
    return environment


@cache
def _stylesheet() -> bytes:
    return (resources.files("lms_http") / "templates" / "pages.css").read_bytes()


def prefers_html(request: Request[Any, Any, Any]) -> bool:
    """The client asked for HTML above JSON (a browser); no `Accept`, `*/*` or JSON first means JSON."""
    return request.accept.best_match([JSON, HTML], default=JSON) == HTML


def render_page(
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    private: bool = False,
    **context: Any,
) -> Response[str]:
    """A page from the templates; a `private` one (it carries a token) asks search engines to keep out."""
    page = (
        _templates()
        .get_template(template)
        .render(site_name=SITE_NAME, stylesheet=STYLESHEET_PATH, icon=ICON_PATH, private=private, **context)
    )
    return Response(page, status_code=status, media_type=HTML, headers=headers)


def _capitalized(message: str) -> str:
    return message[:1].upper() + message[1:]


def _error_page(
    exc: LmsError, heading: str, paragraphs: list[str], *, private: bool = False, extra: dict[str, str] | None = None
) -> Response[str]:
    """The page of an action that failed: the error's own status, and its `Retry-After` when it has one."""
    headers = {**(extra or {}), **(_PRIVATE if private else {})}
    if isinstance(exc, RateLimitedError | ServiceUnavailableError):
        headers["Retry-After"] = str(exc.retry_after_seconds)
        heading = "Please try again later"
        paragraphs = [
            "There have been too many attempts from your network, or the service is busy.",
            f"Try again in {exc.retry_after_seconds} seconds.",
        ]
    return render_page(
        "message.html",
        status=status_for(exc),
        headers=headers,
        private=private,
        tone="bad",
        heading=heading,
        paragraphs=paragraphs,
    )


@dataclass
class WithHtmlPage(Operation):
    """An API operation whose 200 is also a page, for a client that prefers `text/html`."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.content = {**(ok.content or {}), HTML: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))}


# -- the stylesheet and the root ------------------------------------------------------------------


@get(STYLESHEET_PATH, include_in_schema=False, sync_to_thread=False)
def pages_stylesheet() -> Response[bytes]:
    """The pages' stylesheet; cached for a day (it changes only with the installed package)."""
    return Response(_stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=86400"})


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
        return render_page("home.html", headers=_VARY, about=_about(request))
    return Response(_about(request), headers=_VARY)


# -- e-mail verification ----------------------------------------------------------------------


class TokenForm(msgspec.Struct, frozen=True, kw_only=True):
    token: str = ""


class ResetForm(msgspec.Struct, frozen=True, kw_only=True):
    token: str = ""
    new_password: str = ""
    new_password_again: str = ""


_INCOMPLETE_LINK = [
    "The link has no token: it may have been cut in two by your mail program.",
    "Open the link from the e-mail again, or copy all of it into the address bar.",
]
_SPENT_VERIFICATION = [
    "The link has expired, has already been used, or is not valid.",
    "Sign in and ask for a new verification e-mail.",
]
_SPENT_RESET = [
    "The link has expired, has already been used, or is not valid. Each reset link works once, for an hour.",
    "Ask for a new password-reset e-mail.",
]


def _incomplete_link() -> Response[str]:
    return render_page(
        "message.html",
        status=400,
        headers=_PRIVATE,
        private=True,
        tone="bad",
        heading="This link is incomplete",
        paragraphs=_INCOMPLETE_LINK,
    )


@get(VERIFY_EMAIL_PATH, include_in_schema=False, sync_to_thread=False)
def verify_email_page(token: FromQuery[str] = "") -> Response[str]:
    """The verification link's page. Opening it changes nothing (mail scanners open links too); its
    button posts the token back."""
    if not token:
        return _incomplete_link()
    return render_page("verify_email.html", headers=_PRIVATE, private=True, action=VERIFY_EMAIL_PATH, token=token)


@post(
    VERIFY_EMAIL_PATH,
    include_in_schema=False,
    status_code=200,
    dependencies={"anonymous": Provide(provide_anonymous_actor)},
)
async def verify_email(
    lms: NamedDependency[Lms],
    anonymous: NamedDependency[Actor],
    data: Annotated[TokenForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[str]:
    """Confirm the address with the posted token."""
    if not data.token:
        return _incomplete_link()
    try:
        user = await lms.auth.confirm_email_verification(anonymous, ConfirmEmail(token=data.token))
    except LmsError as exc:
        return _error_page(exc, "This link no longer works", _SPENT_VERIFICATION, private=True)
    return render_page(
        "message.html",
        headers=_PRIVATE,
        private=True,
        tone="ok",
        heading="E-mail address confirmed",
        paragraphs=[
            f"Thank you, {user.full_name}. The address {user.email} is now verified.",
            "You can close this page.",
        ],
    )


# -- password reset ---------------------------------------------------------------------------


def _reset_form(token: str, *, status: int = 200, error: str | None = None) -> Response[str]:
    return render_page(
        "reset_password.html",
        status=status,
        headers=_PRIVATE,
        private=True,
        action=RESET_PASSWORD_PATH,
        token=token,
        error=error,
    )


@get(RESET_PASSWORD_PATH, include_in_schema=False, sync_to_thread=False)
def reset_password_page(token: FromQuery[str] = "") -> Response[str]:
    """The reset link's page: a form for the new password (the token is only spent when it is posted)."""
    if not token:
        return _incomplete_link()
    return _reset_form(token)


@post(
    RESET_PASSWORD_PATH,
    include_in_schema=False,
    status_code=200,
    dependencies={"anonymous": Provide(provide_anonymous_actor)},
)
async def reset_password(
    lms: NamedDependency[Lms],
    anonymous: NamedDependency[Actor],
    data: Annotated[ResetForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[str]:
    """Set the posted password; a refused one shows the form again with the reason, the token unspent."""
    if not data.token:
        return _incomplete_link()
    if data.new_password != data.new_password_again:
        # A typo in a hidden field would lock the person out of the account they are trying to get back.
        return _reset_form(data.token, status=422, error="The two passwords are not the same. Type them again.")
    try:
        await lms.auth.reset_password(anonymous, ResetPassword(token=data.token, new_password=data.new_password))
    except InvalidOneTimeToken as exc:
        return _error_page(exc, "This link no longer works", _SPENT_RESET, private=True)
    except InvalidInputError as exc:
        if exc.code == VALIDATION_FAILED:
            # The form's own limits (required, at most 256 characters) keep a password in shape, so what
            # fails the command's shape is the token: a link cut short or tampered with.
            return _error_page(exc, "This link no longer works", _SPENT_RESET, private=True)
        return _reset_form(data.token, status=422, error=f"{_capitalized(exc.message)}.")
    except LmsError as exc:
        return _error_page(exc, "The password was not changed", [_capitalized(exc.message)], private=True)
    return render_page(
        "message.html",
        headers=_PRIVATE,
        private=True,
        tone="ok",
        heading="Password changed",
        paragraphs=[
            "Your password has been changed, and every device signed in to the account was signed out.",
            "Sign in with the new password.",
        ],
    )


# -- certificates -----------------------------------------------------------------------------


def _certificate_page(request: Request[Any, Any, Any], certificate: CertificateVerification) -> Response[str]:
    status = "valid" if certificate.valid else "revoked"
    description = (
        f"{certificate.student_name} completed “{certificate.course_title}” on {_day(certificate.completion_date)}. "
        f"Certificate {certificate.certificate_number} is {status}."
    )
    return render_page(
        "certificate.html",
        headers=_VARY,
        certificate=certificate,
        title=f"Certificate of completion: {certificate.course_title}",
        description=description,
        # The address this page was opened at: a shared link previews under the address that was shared.
        url=str(request.url.with_replacements(query="", fragment="")),
        issuer=request.url.netloc,
    )


async def certificate_verification(
    request: Request[Any, Any, Any], lms: Lms, anonymous: Actor, certificate_number: str
) -> Response[Any]:
    """A certificate's verification: a page for a browser, the JSON view (or its problem) for the rest."""
    if not prefers_html(request):
        try:
            return Response(await lms.certificates.verify(anonymous, certificate_number), headers=_VARY)
        except LmsError as exc:
            problem = handle_lms_error(request, exc)
            problem.headers.update(_VARY)
            return problem
    try:
        certificate = await lms.certificates.verify(anonymous, certificate_number)
    except CertificateNotFound as exc:
        return _error_page(
            exc,
            "No such certificate",
            [
                f"No certificate has the number {certificate_number}.",
                "Check the number printed on the certificate, or scan its QR code again.",
            ],
            extra=_VARY,
        )
    except LmsError as exc:
        return _error_page(exc, "The certificate could not be checked", [_capitalized(exc.message)], extra=_VARY)
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


PAGE_ROUTES = [
    pages_stylesheet,
    home,
    verify_email_page,
    verify_email,
    reset_password_page,
    reset_password,
    certificate_page,
]
