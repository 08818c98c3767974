"""Security headers on every response, errors and unknown paths included.

One `before_send` hook of the app: Litestar calls it for every message the app sends, after routing and
after the exception handlers, so a 404 of an unknown path or a 500 gets the same headers as a 200. It
only reads the start message's header list and appends to it: no per-request object beyond that list.
"""

from __future__ import annotations

from litestar.types import Message, Scope

from lms_http.docs_assets import DOCS_PATH
from lms_http.pages import is_page_path

# Responses that carry tokens or codes (login, token, refresh, register, MFA, reset and verification): every
# answer of the auth routes, never stored by a browser or a proxy, whoever asks.
TOKEN_PATH_PREFIX = "/api/v1/auth/"

# JSON and files: nothing in them may run, load or be framed.
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# The interactive docs load only their own scripts and styles (served by the app, see docs_assets.py);
# Swagger UI sets style attributes at run time, which a hash cannot allow, hence 'unsafe-inline' for styles
# (styles cannot run code). Its icons are data: URLs; "Try it out" calls the API itself.
DOCS_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    b"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The server's own pages (pages.py): their one stylesheet, and forms that post back here; no script at all.
PAGES_CSP = (
    b"default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

_NO_STORE = b"no-store"
# ASGI header names are lower case (Litestar writes them so); no handler sets these, so they are appended
# without a look at what is there.
_API_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", API_CSP),
)
_DOCS_HEADERS = (*_API_HEADERS[:3], (b"content-security-policy", DOCS_CSP))
_PAGES_HEADERS = (*_API_HEADERS[:3], (b"content-security-policy", PAGES_CSP))
_DOCS_PREFIX = DOCS_PATH + "/"


def _is_docs(path: str) -> bool:
    return path == DOCS_PATH or path.startswith(_DOCS_PREFIX)


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"content-type" and value.startswith(b"text/html") for name, value in headers)


def _has_credentials(scope: Scope) -> bool:
    return any(name == b"authorization" for name, _ in scope["headers"])


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Add the security headers to a response's start message (a `before_send` hook).

    Cache-Control: `no-store` on the auth routes' answers, and on every answer to a request with
    credentials unless its handler declared it public (a public file is the same for everyone) or
    no-store itself; anonymous answers keep what their handler set (public files, the catalogue).
    """
    if message["type"] != "http.response.start":
        return
    # Litestar's responses send a list (typed as any iterable); a copy is made only if one ever is not.
    sent = message.get("headers")
    headers = sent if isinstance(sent, list) else list(sent or ())
    message["headers"] = headers
    path = scope["path"]
    if _is_docs(path):
        headers.extend(_DOCS_HEADERS)
    else:
        # A page and JSON can share an address (content negotiation): the answer's type picks the policy, on
        # the pages' addresses only (an uploaded file is never given a page's freedoms).
        headers.extend(_PAGES_HEADERS if is_page_path(path) and _is_html(headers) else _API_HEADERS)
    if path.startswith(TOKEN_PATH_PREFIX) or (_has_credentials(scope) and not _handler_decided(headers)):
        _set_no_store(headers)


def _handler_decided(headers: list[tuple[bytes, bytes]]) -> bool:
    """The handler declared the response public, or already forbade storing it."""
    return any(name == b"cache-control" and (b"public" in value or b"no-store" in value) for name, value in headers)


def _set_no_store(headers: list[tuple[bytes, bytes]]) -> None:
    headers[:] = [(name, value) for name, value in headers if name != b"cache-control"]
    headers.append((b"cache-control", _NO_STORE))
