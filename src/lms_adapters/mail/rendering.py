"""E-mail rendering with Jinja2: one HTML and one plain-text template per message."""

from __future__ import annotations

from pathlib import Path

import jinja2

from lms_core.emails.entities import EmailTemplate, RenderedEmail
from lms_core.emails.errors import UnknownEmailTemplate

TEMPLATES_DIR = Path(__file__).parent / "templates"

# The keys are the templates this renderer knows; `{product_name}` is the only substitution.
_SUBJECTS: dict[str, str] = {
    EmailTemplate.WELCOME: "Welcome to {product_name}",
    EmailTemplate.PASSWORD_RESET: "Reset your {product_name} password",
    EmailTemplate.EMAIL_VERIFICATION: "Verify your e-mail address for {product_name}",
    EmailTemplate.MFA_CODE: "Your {product_name} sign-in code",
    EmailTemplate.REGISTRATION_ATTEMPT: "Someone tried to sign up for {product_name} with your address",
    EmailTemplate.WEBHOOK_ENDPOINT_DISABLED: "A {product_name} webhook endpoint was disabled",
}


class JinjaEmailRenderer:
    """Implements `EmailRenderer` with the templates shipped in this package.

    Each template has `<name>.html` (autoescaped, extends `base.html`) and `<name>.txt` (extends
    `base.txt`); the subject comes from a fixed table. A context variable a template needs but
    the caller did not give is an error, never a silently blank field. `product_name` and
    `public_base_url` are available to every template.
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

    def render(self, template: str, context: dict[str, str]) -> RenderedEmail:
        try:
            subject_pattern = _SUBJECTS[template]
        except KeyError:
            raise UnknownEmailTemplate(
                f"unknown e-mail template {template!r}", details={"template": template}
            ) from None
        subject = subject_pattern.format(product_name=self._product_name)
        variables = {
            **context,
            "subject": subject,
            "product_name": self._product_name,
            "public_base_url": self._public_base_url,
        }
        html = self._env.get_template(f"{template}.html").render(variables)
        text = self._env.get_template(f"{template}.txt").render(variables)
        return RenderedEmail(subject=subject, html=html, text=text)
