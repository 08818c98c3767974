"""Unsubscribing from the optional e-mails over HTTP: the RFC 8058 one-click POST, the page of the e-mail's
link, and the preferences in the profile."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from httpx import AsyncClient

from lms_core import Actor, Lms, Role, SendWeeklyProgress, Unsubscribe
from lms_core.courses.commands import CreateCourse, CreateLesson
from lms_core.courses.entities import LessonType
from lms_core.emails.entities import OutgoingEmail
from lms_core.enrollments.commands import EnrollInCourse
from lms_http.security_headers import PAGES_CSP
from tests.http.helpers import assert_problem, bearer, expect, register
from tests.http.test_pages import html_page
from tests.support.doubles import RecordingMailer
from tests.support.flows import actor_of
from tests.support.flows import register as register_directly

BROWSER = {"Accept": "text/html"}


async def weekly_summary_to(lms: Lms, mailer: RecordingMailer, email: str) -> OutgoingEmail:
    """`email` is a learner in a course, sent this week's summary; the summary as mailed."""
    teacher = actor_of(await register_directly(lms, "owner@example.com", name="Owner", role=Role.INSTRUCTOR))
    course = await lms.courses.create_course(teacher, CreateCourse(title="Looms"))
    await lms.courses.create_lesson(
        teacher, course.id, CreateLesson(title="Cards", lesson_type=LessonType.TEXT, content="Punched cards.")
    )
    await lms.courses.publish_course(teacher, course.id)
    learner = actor_of(await register_directly(lms, email, name="Ada Lovelace"))
    await lms.enrollments.enroll(learner, EnrollInCourse(course_id=course.id))
    await lms.notifications.send_weekly_progress(Actor.system(), SendWeeklyProgress())
    await lms.outbox.drain()
    [summary] = [m for m in mailer.to(email) if m.subject.startswith("Your week on")]
    return summary


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_one_click_post_unsubscribes_without_signing_in(
    client: AsyncClient, lms: Lms, mailer: RecordingMailer
) -> None:
    summary = await weekly_summary_to(lms, mailer, "ada@example.com")
    assert summary.list_unsubscribe is not None

    # What a mail client sends for `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
    response = await client.post(
        path_and_query(summary.list_unsubscribe),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert expect(response, 200) == {"mailing_list": "weekly_progress", "email": "ada@example.com", "subscribed": False}
    again = await client.post(path_and_query(summary.list_unsubscribe), content=b"List-Unsubscribe=One-Click")
    assert expect(again, 200)["subscribed"] is False
    token = parse_qs(urlsplit(summary.list_unsubscribe).query)["token"][0]
    status = await lms.notifications.unsubscribe_status(Actor.anonymous(), Unsubscribe(token=token))
    assert status.subscribed is False


async def test_a_bad_token_is_a_problem_not_an_error(client: AsyncClient) -> None:
    response = await client.post("/api/v1/notifications/unsubscribe?token=forged-weekly_progress-abc")
    assert_problem(response, 422, "notifications.invalid_unsubscribe_token")
    missing = await client.post("/api/v1/notifications/unsubscribe")
    assert_problem(missing, 422, "request.validation_failed")


async def test_a_get_on_the_one_click_address_leads_to_the_page_and_changes_nothing(
    client: AsyncClient, lms: Lms, mailer: RecordingMailer
) -> None:
    summary = await weekly_summary_to(lms, mailer, "ada@example.com")
    assert summary.list_unsubscribe is not None
    token = parse_qs(urlsplit(summary.list_unsubscribe).query)["token"][0]

    response = await client.get(path_and_query(summary.list_unsubscribe))

    assert response.status_code == 303
    assert response.headers["location"] == f"/unsubscribe?token={token}"
    assert (await lms.notifications.unsubscribe_status(Actor.anonymous(), Unsubscribe(token=token))).subscribed is True


async def test_the_emails_link_opens_a_page_whose_button_unsubscribes(
    client: AsyncClient, lms: Lms, mailer: RecordingMailer
) -> None:
    summary = await weekly_summary_to(lms, mailer, "ada@example.com")
    link = next(line.split("open: ", 1)[1] for line in summary.text.splitlines() if "To unsubscribe, open:" in line)
    assert link.startswith("https://lms.example.test/unsubscribe?token=")

    page = html_page(await client.get(path_and_query(link), headers=BROWSER), 200)
    assert "Stop sending the weekly progress summary to ada@example.com ?" in page.text
    assert page.forms == [{"method": "post", "action": "/unsubscribe"}]
    token = page.inputs["token"]["value"]
    assert isinstance(token, str)
    # Opening the page changed nothing: a link scanner must not unsubscribe anyone.
    assert (await lms.notifications.unsubscribe_status(Actor.anonymous(), Unsubscribe(token=token))).subscribed is True

    done = html_page(await client.post("/unsubscribe", data={"token": token}), 200)
    assert "ada@example.com will no longer receive the weekly progress summary." in done.text
    reopened = html_page(await client.get(path_and_query(link)), 200)
    assert "is already unsubscribed from the weekly progress summary" in reopened.text
    assert reopened.forms == []


async def test_a_cut_link_shows_a_page_that_says_so(client: AsyncClient) -> None:
    page = html_page(await client.get("/unsubscribe?token=0123", headers=BROWSER), 422)
    assert "This link does not work" in page.text
    posted = await client.post("/unsubscribe", data={"token": ""})
    assert posted.headers["content-security-policy"] == PAGES_CSP.decode()
    assert html_page(posted, 422).text.startswith("This link does not work")


async def test_preferences_are_read_and_changed_in_the_profile(client: AsyncClient) -> None:
    tokens = await register(client, "ada@example.com")
    headers = bearer(tokens["access_token"])

    me = expect(await client.get("/api/v1/users/me", headers=headers), 200)
    assert me["email_preferences"] == {"weekly_progress": True, "reminders": True}

    changed = await client.patch("/api/v1/users/me", json={"email_preferences": {"reminders": False}}, headers=headers)
    assert expect(changed, 200)["email_preferences"] == {"weekly_progress": True, "reminders": False}
    assert expect(await client.get("/api/v1/users/me", headers=headers), 200)["email_preferences"] == {
        "weekly_progress": True,
        "reminders": False,
    }
    unknown = await client.patch("/api/v1/users/me", json={"email_preferences": {"newsletter": False}}, headers=headers)
    assert_problem(unknown, 422, "request.validation_failed")
