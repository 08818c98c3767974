"""Every e-mail template rendered with realistic data, in English and for an Arabic-speaking learner:
content, links, escaping and the direction of right-to-left text."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from aiosmtplib.email import flatten_message

from lms_adapters.mail.mime import build_mime_message
from lms_adapters.mail.rendering import JinjaEmailRenderer, text_direction
from lms_core.emails.entities import EmailContext, EmailTemplate, OutgoingEmail
from tests.support.mail_contexts import (
    BASE_URL,
    COURSE_LINK,
    DOWNLOAD_LINK,
    UNSUBSCRIBE_LINK,
    VERIFY_LINK,
    course_contexts,
)

LINK = f"{BASE_URL}/reset-password?token=abc-123_XYZ"
OPTIONAL = {EmailTemplate.WEEKLY_PROGRESS, EmailTemplate.COURSE_REMINDER}


def contexts(full_name: str, course_title: str) -> dict[EmailTemplate, EmailContext]:
    return {
        EmailTemplate.WELCOME: {"full_name": full_name},
        EmailTemplate.PASSWORD_RESET: {"full_name": full_name, "link": LINK},
        EmailTemplate.EMAIL_VERIFICATION: {"full_name": full_name, "link": LINK},
        EmailTemplate.MFA_CODE: {"full_name": full_name, "code": "042917"},
        EmailTemplate.REGISTRATION_ATTEMPT: {
            "full_name": full_name,
            "sign_in_link": f"{BASE_URL}/login",
            "reset_link": f"{BASE_URL}/forgot-password",
        },
        **course_contexts(full_name, course_title),
        EmailTemplate.WEBHOOK_ENDPOINT_DISABLED: {
            "full_name": full_name,
            "endpoint_url": "https://crm.example.com/hooks?source=lms&kind=all",
            "endpoint_id": "0190c0de-0000-7000-8000-000000000001",
            "reason": "the receiver answered 500",
        },
    }


# The links each template must carry, besides the ones every template has.
LINKS: dict[EmailTemplate, list[str]] = {
    EmailTemplate.WELCOME: [BASE_URL],
    EmailTemplate.PASSWORD_RESET: [LINK],
    EmailTemplate.EMAIL_VERIFICATION: [LINK],
    EmailTemplate.MFA_CODE: [],
    EmailTemplate.REGISTRATION_ATTEMPT: [f"{BASE_URL}/login", f"{BASE_URL}/forgot-password"],
    EmailTemplate.COURSE_ENROLLED: [COURSE_LINK],
    EmailTemplate.COURSE_COMPLETED: [COURSE_LINK],
    EmailTemplate.CERTIFICATE_ISSUED: [DOWNLOAD_LINK, VERIFY_LINK],
    EmailTemplate.WEEKLY_PROGRESS: [COURSE_LINK, UNSUBSCRIBE_LINK],
    EmailTemplate.COURSE_REMINDER: [COURSE_LINK, UNSUBSCRIBE_LINK],
    EmailTemplate.PAYMENT_RECEIPT: [COURSE_LINK],
    EmailTemplate.WEBHOOK_ENDPOINT_DISABLED: [],
}

# What each template says that only it says.
CONTENT: dict[EmailTemplate, list[str]] = {
    EmailTemplate.WELCOME: ["Your account is ready"],
    EmailTemplate.PASSWORD_RESET: ["expires in 1 hour"],
    EmailTemplate.EMAIL_VERIFICATION: ["expires in 24 hours"],
    EmailTemplate.MFA_CODE: ["042917", "expires in 10 minutes"],
    EmailTemplate.REGISTRATION_ATTEMPT: ["already has an account"],
    EmailTemplate.COURSE_ENROLLED: ["You are now enrolled in"],
    EmailTemplate.COURSE_COMPLETED: ["Congratulations! You have completed every required lesson of"],
    EmailTemplate.CERTIFICATE_ISSUED: ["CERT-20260305-1A2B3C4D", "verification page"],
    EmailTemplate.WEEKLY_PROGRESS: ["2026-W10", "37.50 %", "3 of 8", "Statistics 101", "0 of 12"],
    EmailTemplate.COURSE_REMINDER: ["It has been 9 days", "37.50 %"],
    EmailTemplate.PAYMENT_RECEIPT: ["RCPT-2026-000042", "49.00 USD", "5 March 2026"],
    EmailTemplate.WEBHOOK_ENDPOINT_DISABLED: [
        "has been disabled",
        "Last error: the receiver answered 500",
        "/api/v1/webhooks/0190c0de-0000-7000-8000-000000000001",
    ],
}


@pytest.fixture
def renderer() -> JinjaEmailRenderer:
    return JinjaEmailRenderer(public_base_url=BASE_URL + "/", product_name="Academy")


def test_the_tables_cover_every_template() -> None:
    assert set(contexts("Ada", "Looms")) == set(LINKS) == set(CONTENT) == set(EmailTemplate)


@pytest.mark.parametrize("template", list(EmailTemplate))
def test_every_template_in_english(renderer: JinjaEmailRenderer, template: EmailTemplate) -> None:
    rendered = renderer.render(template, contexts("Ada Lovelace", "Analytical Engines")[template])

    assert "Academy" in rendered.subject and "\n" not in rendered.subject
    assert rendered.html.startswith('<!DOCTYPE html>\n<html lang="en" dir="ltr">')
    assert 'Hello <span dir="ltr">Ada Lovelace</span>,' in rendered.html
    assert "Hello Ada Lovelace," in rendered.text
    for text in (rendered.html, rendered.text):
        for expected in CONTENT[template]:
            assert expected in text
        assert "{{" not in text and "{%" not in text
    for link in LINKS[template]:
        assert f'href="{link.replace("&", "&amp;")}"' in rendered.html
        assert link in rendered.text
    # Only the optional e-mails say how to stop them.
    assert ("Unsubscribe" in rendered.html) is (template in OPTIONAL)
    assert ("To unsubscribe, open:" in rendered.text) is (template in OPTIONAL)


@pytest.mark.parametrize("template", list(EmailTemplate))
def test_every_template_with_an_arabic_name_sets_it_right_to_left(
    renderer: JinjaEmailRenderer, template: EmailTemplate
) -> None:
    name, title = "محمد عبد الله", "مقدمة في البرمجة"

    rendered = renderer.render(template, contexts(name, title)[template])

    assert f'<span dir="rtl">{name}</span>' in rendered.html
    assert f"Hello {name}," in rendered.text
    if template in {EmailTemplate.COURSE_ENROLLED, EmailTemplate.COURSE_COMPLETED, EmailTemplate.CERTIFICATE_ISSUED}:
        assert f'<span dir="rtl">{title}</span>' in rendered.html
        assert title in rendered.subject
    if template is EmailTemplate.WEEKLY_PROGRESS:
        assert re.search(rf'<a href="[^"]+" dir="rtl"[^>]*>{title}</a>', rendered.html)


@pytest.mark.parametrize("template", list(EmailTemplate))
def test_every_template_escapes_markup_in_names_and_titles(
    renderer: JinjaEmailRenderer, template: EmailTemplate
) -> None:
    name, title = '<img src=x onerror="alert(1)">', "R&D <script>alert(2)</script>"

    rendered = renderer.render(template, contexts(name, title)[template])

    assert "<img" not in rendered.html and "<script>" not in rendered.html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in rendered.html
    # Plain text is not HTML: the reader sees the name as typed.
    assert name in rendered.text
    if "course_title" in contexts(name, title)[template]:
        assert "R&amp;D &lt;script&gt;alert(2)&lt;/script&gt;" in rendered.html


def test_a_line_break_in_a_course_title_does_not_break_the_subject_line(renderer: JinjaEmailRenderer) -> None:
    context = contexts("Ada", "Looms\r\nBcc: everyone@example.com")[EmailTemplate.COURSE_ENROLLED]

    rendered = renderer.render(EmailTemplate.COURSE_ENROLLED, context)

    assert rendered.subject == "You are enrolled in Looms Bcc: everyone@example.com on Academy"


@pytest.mark.parametrize(
    ("text", "direction"),
    [("Ada", "ltr"), ("محمد", "rtl"), ("שרה", "rtl"), ("  123 محمد", "rtl"), ("123", "ltr"), ("Zoë محمد", "ltr")],
)
def test_direction_follows_the_first_strong_character(text: str, direction: str) -> None:
    assert text_direction(text) == direction


@pytest.mark.parametrize("flatten", ["file", "smtp"])
def test_a_long_one_click_address_stays_one_readable_header(flatten: str) -> None:
    address = f"{BASE_URL}/api/v1/notifications/unsubscribe?token={'0' * 32}-weekly_progress-{'A' * 43}"
    message = OutgoingEmail(
        sender="Academy <no-reply@academy.test>",
        to="ada@example.com",
        subject="Your week",
        html="<p>Hi</p>",
        text="Hi",
        list_unsubscribe=address,
    )
    mime = build_mime_message(message)
    data = mime.as_bytes(policy=email.policy.SMTP) if flatten == "file" else flatten_message(mime)

    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert f"List-Unsubscribe: <{address}>\r\n".encode() in data
    assert parsed["List-Unsubscribe"] == f"<{address}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain = build_mime_message(
        OutgoingEmail(sender=message.sender, to=message.to, subject="Hi", html="<p>Hi</p>", text="Hi")
    )
    assert plain["List-Unsubscribe"] is None and plain["List-Unsubscribe-Post"] is None
