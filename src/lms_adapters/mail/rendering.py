"""E-mail rendering with Jinja2: one HTML and one plain-text template per message."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import jinja2

from lms_core.emails.entities import EmailContext, EmailTemplate, RenderedEmail
from lms_core.emails.errors import UnknownEmailTemplate

TEMPLATES_DIR = Path(__file__).parent / "templates"

# The keys are the templates this renderer knows. Subjects are plain text (never HTML-escaped) and take the
# same variables as the bodies.
_SUBJECTS: dict[str, str] = {
    EmailTemplate.WELCOME: "Welcome to {{ product_name }}",
    EmailTemplate.PASSWORD_RESET: "Reset your {{ product_name }} password",
    EmailTemplate.EMAIL_VERIFICATION: "Verify your e-mail address for {{ product_name }}",
    EmailTemplate.MFA_CODE: "Your {{ product_name }} sign-in code",
    EmailTemplate.REGISTRATION_ATTEMPT: "Someone tried to sign up for {{ product_name }} with your address",
    EmailTemplate.COURSE_ENROLLED: "You are enrolled in {{ course_title }} on {{ product_name }}",
    EmailTemplate.COURSE_COMPLETED: "Congratulations: you completed {{ course_title }} on {{ product_name }}",
    EmailTemplate.CERTIFICATE_ISSUED: "Your {{ product_name }} certificate for {{ course_title }}",
    EmailTemplate.WEEKLY_PROGRESS: "Your week on {{ product_name }}: {{ courses|length }} course(s) in progress",
    EmailTemplate.COURSE_REMINDER: "{{ course_title }} is waiting for you on {{ product_name }}",
    EmailTemplate.PAYMENT_RECEIPT: "Your {{ product_name }} receipt {{ receipt_number }}",
    EmailTemplate.WEBHOOK_ENDPOINT_DISABLED: "{{ product_name }}: a webhook endpoint was disabled",
}

_RIGHT_TO_LEFT = frozenset({"R", "AL"})
_LEFT_TO_RIGHT = frozenset({"L"})


def text_direction(text: str) -> str:
    """`rtl` when the first strongly directional character of `text` is right-to-left (Arabic, Hebrew...),
    else `ltr`: the rule of Unicode's bidirectional algorithm (P2, P3) for a paragraph's direction. Computed
    here rather than left to `dir="auto"`, which many mail clients ignore."""
    for char in text:
        bidi = unicodedata.bidirectional(char)
        if bidi in _RIGHT_TO_LEFT:
            return "rtl"
        if bidi in _LEFT_TO_RIGHT:
            return "ltr"
    return "ltr"


class JinjaEmailRenderer:
    """Implements `EmailRenderer` with the templates shipped in this package.

    Each template has `<name>.html` (autoescaped, extends `base.html`) and `<name>.txt` (extends
    `base.txt`); the subject comes from a fixed table. A context variable a template needs but
    the caller did not give is an error, never a silently blank field. `product_name` and
    `public_base_url` are available to every template; a context with `unsubscribe_link` gets the
    unsubscribe line in its footer. Text people wrote (names, course titles) is set in its own direction
    (`dir="rtl"` for Arabic or Hebrew) inside the English layout.
    """

    def __init__(self, *, public_base_url: str, product_name: str = "LMS") -> None:
        self._product_name = product_name
        self._public_base_url = public_base_url.rstrip("/")
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._env.filters["direction"] = text_direction
        self._subjects = {name: self._env.from_string(pattern) for name, pattern in _SUBJECTS.items()}

    def render(self, template: str, context: EmailContext) -> RenderedEmail:
        try:
            subject_template = self._subjects[template]
        except KeyError:
            raise UnknownEmailTemplate(
                f"unknown e-mail template {template!r}", details={"template": template}
            ) from None
        shared = {**context, "product_name": self._product_name, "public_base_url": self._public_base_url}
        # A subject is one header line: a line break in a course title must not start another header.
        subject = " ".join(subject_template.render(shared).split())
        variables = {**shared, "subject": subject}
        html = self._env.get_template(f"{template}.html").render(variables)
        text = self._env.get_template(f"{template}.txt").render(variables)
        return RenderedEmail(subject=subject, html=html, text=text)
