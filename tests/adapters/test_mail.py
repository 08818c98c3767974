"""Mail adapters: the Jinja2 templates, SMTP delivery to a real aiosmtpd server, and the file mailer."""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import jinja2
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from lms_adapters.mail.files import FileMailer
from lms_adapters.mail.mime import build_mime_message
from lms_adapters.mail.rendering import JinjaEmailRenderer
from lms_adapters.mail.smtp import SmtpMailer
from lms_core.emails.entities import EmailContext, EmailTemplate, OutgoingEmail
from lms_core.emails.errors import EmailDeliveryFailed, UnknownEmailTemplate
from tests.support.mail_contexts import course_contexts
from tests.support.network import free_port

BASE_URL = "https://lms.example.com"
LINK = f"{BASE_URL}/reset-password?token=abc-123_XYZ&lang=en"
SMTP_USER = "mailer"
SMTP_PASSWORD = "p@ss:w/rd"
# The test server has no certificate; aiosmtpd warns about AUTH over plain text.
allow_plain_auth = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

CONTEXTS: dict[EmailTemplate, EmailContext] = {
    EmailTemplate.WELCOME: {"full_name": "Ada Lovelace"},
    EmailTemplate.PASSWORD_RESET: {"full_name": "Ada Lovelace", "link": LINK},
    EmailTemplate.EMAIL_VERIFICATION: {"full_name": "Ada Lovelace", "link": LINK},
    EmailTemplate.MFA_CODE: {"full_name": "Ada Lovelace", "code": "042917"},
    EmailTemplate.REGISTRATION_ATTEMPT: {
        "full_name": "Ada Lovelace",
        "sign_in_link": BASE_URL + "/login",
        "reset_link": BASE_URL + "/forgot-password",
    },
    **course_contexts("Ada Lovelace", "Analytical Engines"),
    EmailTemplate.WEBHOOK_ENDPOINT_DISABLED: {
        "full_name": "Ada Lovelace",
        "endpoint_url": "https://crm.example.com/hooks",
        "endpoint_id": "0190c0de-0000-7000-8000-000000000001",
        "reason": "the receiver answered 500",
    },
}


@pytest.fixture
def renderer() -> JinjaEmailRenderer:
    return JinjaEmailRenderer(public_base_url=BASE_URL + "/", product_name="Academy")


def outgoing(subject: str = "Hello from the test") -> OutgoingEmail:
    return OutgoingEmail(
        sender="Academy <no-reply@academy.test>",
        to="ada@example.com",
        subject=subject,
        html="<p>Hello <b>Ada</b></p>",
        text="Hello Ada",
    )


def parts_by_type(message: EmailMessage) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in message.walk():
        if not part.is_multipart():
            assert isinstance(part, EmailMessage)
            found[part.get_content_type()] = part.get_content()
    return found


# --- rendering ---------------------------------------------------------------------------------------


def test_every_engine_template_has_a_renderer_entry(renderer: JinjaEmailRenderer) -> None:
    assert set(CONTEXTS) == set(EmailTemplate)


@pytest.mark.parametrize("template", list(EmailTemplate))
def test_renders_subject_html_and_text(renderer: JinjaEmailRenderer, template: EmailTemplate) -> None:
    rendered = renderer.render(template, CONTEXTS[template])

    assert rendered.subject.strip()
    assert "Academy" in rendered.subject
    assert rendered.html.startswith("<!DOCTYPE html>")
    assert f"<title>{rendered.subject}</title>" in rendered.html
    for text in (rendered.html, rendered.text):
        assert "Ada Lovelace" in text
        assert "Academy" in text
        assert "{{" not in text
        assert "{%" not in text


@pytest.mark.parametrize("template", [EmailTemplate.PASSWORD_RESET, EmailTemplate.EMAIL_VERIFICATION])
def test_links_are_buttons_in_html_and_raw_in_text(renderer: JinjaEmailRenderer, template: EmailTemplate) -> None:
    rendered = renderer.render(template, CONTEXTS[template])

    escaped = LINK.replace("&", "&amp;")
    assert f'<a href="{escaped}"' in rendered.html
    assert LINK not in rendered.html
    assert LINK in rendered.text.splitlines()


@pytest.mark.parametrize(
    ("template", "lifetime"),
    [
        (EmailTemplate.PASSWORD_RESET, "1 hour"),
        (EmailTemplate.EMAIL_VERIFICATION, "24 hours"),
        (EmailTemplate.MFA_CODE, "10 minutes"),
    ],
)
def test_secret_messages_state_their_lifetime(
    renderer: JinjaEmailRenderer, template: EmailTemplate, lifetime: str
) -> None:
    rendered = renderer.render(template, CONTEXTS[template])

    assert lifetime in rendered.html
    assert lifetime in rendered.text


def test_password_reset_says_it_can_be_ignored(renderer: JinjaEmailRenderer) -> None:
    rendered = renderer.render(EmailTemplate.PASSWORD_RESET, CONTEXTS[EmailTemplate.PASSWORD_RESET])

    assert "ignore" in rendered.html
    assert "ignore" in rendered.text


def test_mfa_code_appears_in_both_bodies(renderer: JinjaEmailRenderer) -> None:
    rendered = renderer.render(EmailTemplate.MFA_CODE, CONTEXTS[EmailTemplate.MFA_CODE])

    assert ">042917<" in rendered.html
    assert "042917" in rendered.text


def test_welcome_links_to_the_public_site(renderer: JinjaEmailRenderer) -> None:
    rendered = renderer.render(EmailTemplate.WELCOME, CONTEXTS[EmailTemplate.WELCOME])

    assert f'<a href="{BASE_URL}"' in rendered.html
    assert BASE_URL in rendered.text


def test_html_escapes_a_malicious_name(renderer: JinjaEmailRenderer) -> None:
    name = '<script>alert("x")</script>'

    rendered = renderer.render(EmailTemplate.PASSWORD_RESET, {"full_name": name, "link": LINK})

    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in rendered.html
    # Plain text is not HTML: escaping it would show entities to the reader.
    assert name in rendered.text


def test_html_escapes_the_product_name() -> None:
    rendered = JinjaEmailRenderer(public_base_url=BASE_URL, product_name="R&D <Lab>").render(
        EmailTemplate.WELCOME, {"full_name": "Ada"}
    )

    assert rendered.subject == "Welcome to R&D <Lab>"
    assert "R&amp;D &lt;Lab&gt;" in rendered.html
    assert "<Lab>" not in rendered.html
    assert "R&D <Lab>" in rendered.text


@pytest.mark.parametrize(
    ("template", "missing"),
    [
        (EmailTemplate.WELCOME, "full_name"),
        (EmailTemplate.PASSWORD_RESET, "link"),
        (EmailTemplate.EMAIL_VERIFICATION, "link"),
        (EmailTemplate.MFA_CODE, "code"),
    ],
)
def test_a_missing_context_variable_is_an_error(
    renderer: JinjaEmailRenderer, template: EmailTemplate, missing: str
) -> None:
    context = dict(CONTEXTS[template])
    del context[missing]

    with pytest.raises(jinja2.UndefinedError, match=missing):
        renderer.render(template, context)


@pytest.mark.parametrize("name", ["course_abandoned", "base", "../rendering", ""])
def test_an_unknown_template_is_refused_by_name(renderer: JinjaEmailRenderer, name: str) -> None:
    with pytest.raises(UnknownEmailTemplate) as caught:
        renderer.render(name, {"full_name": "Ada"})
    assert caught.value.code == "emails.unknown_template"
    assert caught.value.details == {"template": name}


# --- MIME --------------------------------------------------------------------------------------------


def test_mime_message_has_text_and_html_alternatives() -> None:
    mime = build_mime_message(outgoing())

    assert mime.get_content_type() == "multipart/alternative"
    assert mime["From"] == "Academy <no-reply@academy.test>"
    assert mime["To"] == "ada@example.com"
    assert mime["Date"]
    assert mime["Message-ID"].endswith("@academy.test>")
    assert parts_by_type(mime) == {"text/plain": "Hello Ada\n", "text/html": "<p>Hello <b>Ada</b></p>\n"}


def test_mime_message_encodes_non_ascii_subject_and_bodies() -> None:
    message = OutgoingEmail(
        sender="no-reply@academy.test", to="zoe@example.com", subject="Bienvenue, Zoë", html="<p>Zoë</p>", text="Zoë"
    )

    data = build_mime_message(message).as_bytes()
    parsed = email.message_from_bytes(data, policy=email.policy.default)

    assert isinstance(parsed, EmailMessage)
    assert data.isascii()
    assert parsed["Subject"] == "Bienvenue, Zoë"
    assert parts_by_type(parsed)["text/plain"] == "Zoë\n"


# --- SMTP --------------------------------------------------------------------------------------------


class CollectingHandler:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        parsed = []
        for envelope in self.envelopes:
            content = envelope.original_content or envelope.content
            assert isinstance(content, bytes)
            message = email.message_from_bytes(content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed


class Credentials:
    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == SMTP_USER.encode()
            and auth_data.password == SMTP_PASSWORD.encode()
        )
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, CollectingHandler]]:
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


@pytest.fixture
def auth_smtp_server() -> Iterator[tuple[Controller, CollectingHandler]]:
    handler = CollectingHandler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        auth_required=True,
        auth_require_tls=False,
        authenticator=Credentials(),
    )
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


async def test_smtp_mailer_delivers_text_and_html(smtp_server: tuple[Controller, CollectingHandler]) -> None:
    controller, handler = smtp_server
    mailer = SmtpMailer.from_url(f"smtp://{controller.hostname}:{controller.port}")

    await mailer.send(outgoing())

    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.mail_from == "no-reply@academy.test"
    assert envelope.rcpt_tos == ["ada@example.com"]
    [received] = handler.messages()
    assert received["From"] == "Academy <no-reply@academy.test>"
    assert received["To"] == "ada@example.com"
    assert received["Subject"] == "Hello from the test"
    assert received["Message-ID"]
    assert received["Date"]
    parts = parts_by_type(received)
    assert parts["text/plain"].strip() == "Hello Ada"
    assert parts["text/html"].strip() == "<p>Hello <b>Ada</b></p>"


async def test_smtp_mailer_delivers_a_rendered_template(
    smtp_server: tuple[Controller, CollectingHandler], renderer: JinjaEmailRenderer
) -> None:
    controller, handler = smtp_server
    rendered = renderer.render(EmailTemplate.PASSWORD_RESET, CONTEXTS[EmailTemplate.PASSWORD_RESET])
    message = OutgoingEmail(
        sender="no-reply@academy.test",
        to="ada@example.com",
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
    )

    await SmtpMailer.from_url(f"smtp://{controller.hostname}:{controller.port}").send(message)

    [received] = handler.messages()
    assert received["Subject"] == rendered.subject
    parts = parts_by_type(received)
    assert LINK in parts["text/plain"]
    assert LINK.replace("&", "&amp;") in parts["text/html"]


@allow_plain_auth
async def test_smtp_mailer_logs_in_with_url_decoded_credentials(
    auth_smtp_server: tuple[Controller, CollectingHandler],
) -> None:
    controller, handler = auth_smtp_server
    url = f"smtp://{SMTP_USER}:p%40ss%3Aw%2Frd@{controller.hostname}:{controller.port}"

    await SmtpMailer.from_url(url).send(outgoing("Authenticated"))

    [received] = handler.messages()
    assert received["Subject"] == "Authenticated"


@allow_plain_auth
async def test_smtp_mailer_wrong_password_is_a_delivery_failure(
    auth_smtp_server: tuple[Controller, CollectingHandler],
) -> None:
    controller, handler = auth_smtp_server
    mailer = SmtpMailer.from_url(f"smtp://{SMTP_USER}:wrong@{controller.hostname}:{controller.port}")

    with pytest.raises(EmailDeliveryFailed) as caught:
        await mailer.send(outgoing())

    assert caught.value.code == "emails.delivery_failed"
    assert handler.envelopes == []


@allow_plain_auth
async def test_smtp_mailer_without_credentials_is_refused_by_an_auth_server(
    auth_smtp_server: tuple[Controller, CollectingHandler],
) -> None:
    controller, handler = auth_smtp_server
    mailer = SmtpMailer.from_url(f"smtp://{controller.hostname}:{controller.port}")

    with pytest.raises(EmailDeliveryFailed, match="could not deliver"):
        await mailer.send(outgoing())

    assert handler.envelopes == []


async def test_connection_refused_is_a_delivery_failure() -> None:
    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{free_port()}", timeout=5)

    with pytest.raises(EmailDeliveryFailed) as caught:
        await mailer.send(outgoing())

    assert caught.value.code == "emails.delivery_failed"
    assert caught.value.__cause__ is not None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", ("mail.example.com", 25, None, None, False, None)),
        ("smtp://mail.example.com?starttls=true", ("mail.example.com", 587, None, None, False, True)),
        ("smtp://u:p@mail.example.com:2525?starttls=false", ("mail.example.com", 2525, "u", "p", False, False)),
        ("smtps://u%40x.com:a%2Fb%3Ac@mail.example.com", ("mail.example.com", 465, "u@x.com", "a/b:c", True, False)),
        ("SMTPS://mail.example.com:1465", ("mail.example.com", 1465, None, None, True, False)),
    ],
)
def test_from_url_parses_the_connection(url: str, expected: tuple[object, ...]) -> None:
    mailer = SmtpMailer.from_url(url, timeout=3)

    assert (
        mailer.hostname,
        mailer.port,
        mailer.username,
        mailer._password,
        mailer.use_tls,
        mailer.start_tls,
    ) == expected
    assert mailer.timeout == 3


def test_from_url_defaults_to_a_fifteen_second_timeout() -> None:
    assert SmtpMailer.from_url("smtp://localhost").timeout == 15.0


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",
        "smtp://",
        "smtp://mail.example.com:notaport",
        "smtp://mail.example.com?starttls=maybe",
        "smtps://mail.example.com?starttls=true",
    ],
)
def test_from_url_rejects_bad_urls(url: str) -> None:
    with pytest.raises(ValueError, match=r"SMTP URL|starttls"):
        SmtpMailer.from_url(url)


def test_repr_hides_the_password() -> None:
    mailer = SmtpMailer.from_url("smtp://user:secret@mail.example.com:587")

    assert "secret" not in repr(mailer)
    assert "user" in repr(mailer)


# --- files -------------------------------------------------------------------------------------------


async def test_file_mailer_writes_a_parseable_eml(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    directory = tmp_path / "var" / "mail"
    mailer = FileMailer(str(directory))

    with caplog.at_level(logging.INFO, logger="lms.mail"):
        await mailer.send(outgoing())
        await mailer.send(outgoing("Second"))

    files = sorted(directory.glob("*.eml"))
    assert len(files) == 2
    assert all(len(f.stem.split("-")) == 2 and len(f.stem.split("-")[1]) == 32 for f in files)
    by_subject: dict[str, Path] = {}
    for file in files:
        parsed = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        assert parsed["To"] == "ada@example.com"
        assert set(parts_by_type(parsed)) == {"text/plain", "text/html"}
        by_subject[str(parsed["Subject"])] = file
    # Each message has its own file: both subjects are there, neither was written twice.
    assert set(by_subject) == {"Hello from the test", "Second"}
    logged = [r.getMessage() for r in caplog.records if r.name == "lms.mail"]
    assert len(logged) == 2
    assert all(sum(str(file) in line for line in logged) == 1 for file in files)


def test_the_registration_attempt_mail_points_to_sign_in_and_reset(renderer: JinjaEmailRenderer) -> None:
    rendered = renderer.render(EmailTemplate.REGISTRATION_ATTEMPT, CONTEXTS[EmailTemplate.REGISTRATION_ATTEMPT])
    assert rendered.subject == "Someone tried to sign up for Academy with your address"
    for link in (BASE_URL + "/login", BASE_URL + "/forgot-password"):
        assert f'href="{link}"' in rendered.html
        assert link in rendered.text.splitlines()
    assert "token=" not in rendered.text
