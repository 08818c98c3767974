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

from lms_http.pages.account import (
    forgot_password,
    forgot_password_page,
    reset_password,
    reset_password_page,
    verify_email,
    verify_email_page,
)
from lms_http.pages.public import WithHtmlPage, certificate_page, certificate_verification, home
from lms_http.pages.rendering import ISSUER_STATE_KEY, is_page_path, pages_stylesheet
from lms_http.pages.unsubscribe import unsubscribe, unsubscribe_page

PAGE_ROUTES = [
    pages_stylesheet,
    home,
    verify_email_page,
    verify_email,
    reset_password_page,
    reset_password,
    forgot_password_page,
    forgot_password,
    certificate_page,
    unsubscribe_page,
    unsubscribe,
]

__all__ = ["ISSUER_STATE_KEY", "PAGE_ROUTES", "WithHtmlPage", "certificate_verification", "is_page_path"]
