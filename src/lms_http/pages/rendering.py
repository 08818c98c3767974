"""What every page shares: the templates, the stylesheet, content negotiation and the error page."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from litestar import Request, Response, get

from lms_adapters.links import CERTIFICATE_VERIFICATION_PATH
from lms_adapters.mail.unsubscribe import UNSUBSCRIBE_PAGE_PATH
from lms_core.shared.errors import LmsError, RateLimitedError, ServiceUnavailableError
from lms_http.docs_assets import ASSETS_PATH
from lms_http.errors import status_for

SITE_NAME = "LMS"
# Where the app keeps the certificate issuer's name (LMS_CERTIFICATE_ISSUER), the one the PDFs print.
ISSUER_STATE_KEY = "certificate_issuer"
API_BASE = "/api/v1"
STYLESHEET_PATH = "/assets/pages.css"
# The docs' icon: without an icon of their own, browsers would ask for `/favicon.ico` (a 404).
ICON_PATH = f"{ASSETS_PATH}/favicon-32x32.png"
VERIFY_EMAIL_PATH = "/verify-email"
RESET_PASSWORD_PATH = "/reset-password"
FORGOT_PASSWORD_PATH = "/forgot-password"
CERTIFICATE_PAGE_PATH = "/certificates/verify"

# The addresses of the pages, exact and by prefix (security_headers.py gives their HTML the pages' policy).
_PAGE_PATHS = frozenset({"/", VERIFY_EMAIL_PATH, RESET_PASSWORD_PATH, FORGOT_PASSWORD_PATH, UNSUBSCRIBE_PAGE_PATH})
_PAGE_PREFIXES = (f"{CERTIFICATE_PAGE_PATH}/", f"{CERTIFICATE_VERIFICATION_PATH}/")

HTML = "text/html"
JSON = "application/json"
# Answers whose shape depends on `Accept` say so, or a shared cache could hand a browser the JSON.
VARY = {"Vary": "Accept"}
# The token pages carry a live secret in their form: never kept by a browser's or a proxy's cache.
PRIVATE = {"Cache-Control": "no-store"}

_DAY_FORMAT = "%d %B %Y"
# The code of a command whose input does not have the declared shape (lms_core.shared.commands).
VALIDATION_FAILED = "request.validation_failed"


def day_of(moment: datetime) -> str:
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
    environment.filters["day"] = day_of
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


def capitalized(message: str) -> str:
    return message[:1].upper() + message[1:]


def error_page(
    exc: LmsError, heading: str, paragraphs: list[str], *, private: bool = False, extra: dict[str, str] | None = None
) -> Response[str]:
    """The page of an action that failed: the error's own status, and its `Retry-After` when it has one."""
    headers = {**(extra or {}), **(PRIVATE if private else {})}
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


# -- the stylesheet -----------------------------------------------------------------------------


@get(STYLESHEET_PATH, include_in_schema=False, sync_to_thread=False)
def pages_stylesheet() -> Response[bytes]:
    """The pages' stylesheet; cached for a day (it changes only with the installed package)."""
    return Response(_stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=86400"})
