"""The pages for people: where the e-mailed links, a certificate's QR code and `/` lead a browser."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy import select

from lms_adapters.bootstrap import open_lms
from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.tables_identity import users
from lms_adapters.settings import Settings
from lms_core import Actor, Lms
from lms_core.certificates.commands import RevokeCertificate
from lms_core.shared.clock import FixedClock
from lms_http import create_app
from lms_http.security_headers import API_CSP, PAGES_CSP
from tests.conftest import make_settings
from tests.http.helpers import PASSWORD, assert_problem, register
from tests.support.asgi import asgi_transport
from tests.support.certificates import completed, settings, storage_dir
from tests.support.doubles import RecordingMailer

__all__ = ["settings", "storage_dir"]

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"}
NEW_PASSWORD = "a fresh passphrase for the page"


class Page(HTMLParser):
    """The parts of a page the tests look at: its text, meta tags, forms' fields and elements' attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.meta: dict[str, str] = {}
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.forms: list[dict[str, str | None]] = []
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.scripts = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("property") or values.get("name")):
            self.meta[str(values.get("property") or values.get("name"))] = str(values.get("content"))
        if tag == "input" and values.get("name"):
            self.inputs[str(values["name"])] = values
        if tag == "form":
            self.forms.append(values)
        if tag == "script":
            self.scripts += 1
        if values.get("id"):
            self.by_id[str(values["id"])] = {"tag": tag, **values}

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(" ".join(data.split()))

    @property
    def text(self) -> str:
        return " ".join(self.texts)


def html_page(response: httpx.Response, status: int) -> Page:
    """The response is an HTML page of `status` under the pages' security policy; its parsed content."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == PAGES_CSP.decode()
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    page = Page(response.text)
    assert page.scripts == 0
    return page


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def mailed_link(mailer: RecordingMailer, address: str, path: str) -> str:
    for message in reversed(mailer.to(address)):
        found = re.search(rf"https?://\S+/{path}\?token=[A-Za-z0-9_\-]+", message.text)
        if found:
            return found.group(0)
    raise AssertionError(f"no {path} link was sent to {address}")


async def verified_at(settings: Settings, email: str) -> datetime | None:
    """The account's `email_verified_at` as stored (not through a service or its cache)."""
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            value: datetime | None = (
                await connection.execute(select(users.c.email_verified_at).where(users.c.email == email))
            ).scalar_one()
            return value
    finally:
        await engine.dispose()


# -- the root ---------------------------------------------------------------------------------


async def test_the_root_is_a_page_for_browsers_and_json_for_programs(client: AsyncClient) -> None:
    api_version = (await client.get("/schema/openapi.json")).json()["info"]["version"]
    assert api_version
    response = await client.get("/", headers=BROWSER)
    page = html_page(response, 200)
    assert page.texts[:3] == [f"LMS {api_version} · LMS", "LMS", "A learning-management engine, version"]
    assert f'version <strong id="version">{api_version}</strong>.' in response.text
    for target in ('href="/schema/swagger"', 'href="/schema/openapi.json"', 'href="/health"', "<code>/api/v1</code>"):
        assert target in response.text
    assert response.headers["vary"] == "Accept"

    for headers in ({}, {"Accept": "application/json"}, {"Accept": "*/*"}):
        answer = await client.get("/", headers=headers)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["content-security-policy"] == API_CSP.decode()
        assert answer.json() == {
            "name": "LMS",
            "version": api_version,
            "api": "/api/v1",
            "docs": "/schema/swagger",
            "openapi": "/schema/openapi.json",
            "health": "/health",
        }


async def test_the_pages_stylesheet_is_served_by_the_app(client: AsyncClient) -> None:
    page = await client.get("/", headers=BROWSER)
    assert '<link rel="stylesheet" href="/assets/pages.css">' in page.text
    css = await client.get("/assets/pages.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ".card {" in css.text
    assert css.headers["cache-control"] == "public, max-age=86400"


# -- e-mail verification ----------------------------------------------------------------------


async def test_opening_the_verification_link_verifies_nothing_until_the_button_is_pressed(
    client: AsyncClient, lms: Lms, mailer: RecordingMailer, settings: Settings
) -> None:
    await register(client, "page@example.com")
    await lms.outbox.drain()
    link = mailed_link(mailer, "page@example.com", "verify-email")
    assert link.startswith("https://lms.example.test/verify-email?token=")
    token = link.rsplit("=", 1)[1]

    opened = await client.get(path_of(link), headers=BROWSER)
    page = html_page(opened, 200)
    assert "Confirm your e-mail address Press the button to confirm that this e-mail address is yours." in page.text
    assert "Confirm my e-mail address" in page.texts
    assert page.forms == [{"method": "post", "action": "/verify-email"}]
    assert page.inputs["token"] == {"type": "hidden", "name": "token", "value": token}
    assert page.meta["robots"] == "noindex, nofollow"
    assert opened.headers["cache-control"] == "no-store"
    # A mail scanner opening the link twice changes nothing either.
    assert (await client.get(path_of(link))).status_code == 200
    assert await verified_at(settings, "page@example.com") is None

    confirmed = await client.post("/verify-email", data={"token": token})
    page = html_page(confirmed, 200)
    assert page.text.startswith(
        "E-mail address confirmed · LMS E-mail address confirmed Thank you, Http User. "
        "The address page@example.com is now verified."
    )
    assert confirmed.headers["cache-control"] == "no-store"
    assert await verified_at(settings, "page@example.com") is not None

    again = html_page(await client.post("/verify-email", data={"token": token}), 422)
    assert "This link no longer works" in again.texts
    assert "The link has expired, has already been used, or is not valid." in again.texts


async def test_an_expired_or_unknown_verification_link_says_so(
    client: AsyncClient, lms: Lms, mailer: RecordingMailer, clock: FixedClock, settings: Settings
) -> None:
    await register(client, "late@example.com")
    await lms.outbox.drain()
    token = mailed_link(mailer, "late@example.com", "verify-email").rsplit("=", 1)[1]
    clock.advance(timedelta(hours=24, seconds=1))
    expired = html_page(await client.post("/verify-email", data={"token": token}), 422)
    assert "This link no longer works" in expired.texts
    assert "Sign in and ask for a new verification e-mail." in expired.texts
    assert await verified_at(settings, "late@example.com") is None

    unknown = html_page(await client.post("/verify-email", data={"token": "not-a-token-we-issued"}), 422)
    assert "The link has expired, has already been used, or is not valid." in unknown.texts

    for incomplete in (await client.get("/verify-email"), await client.post("/verify-email", data={})):
        page = html_page(incomplete, 400)
        assert "This link is incomplete" in page.texts
        assert "The link has no token: it may have been cut in two by your mail program." in page.texts


async def test_page_content_is_escaped(client: AsyncClient) -> None:
    hostile = '"><script>alert(1)</script>'
    response = await client.get("/verify-email", params={"token": hostile})
    page = html_page(response, 200)
    assert page.inputs["token"]["value"] == hostile
    assert "<script>" not in response.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in response.text


# -- password reset ---------------------------------------------------------------------------


async def test_the_reset_page_applies_the_policy_then_changes_the_password(
    client: AsyncClient, lms: Lms, mailer: RecordingMailer
) -> None:
    await register(client, "forgetful@example.com")
    assert (
        await client.post("/api/v1/auth/forgot-password", json={"email": "forgetful@example.com"})
    ).status_code == 202
    await lms.outbox.drain()
    link = mailed_link(mailer, "forgetful@example.com", "reset-password")
    assert link.startswith("https://lms.example.test/reset-password?token=")
    token = link.rsplit("=", 1)[1]

    opened = await client.get(path_of(link), headers=BROWSER)
    form = html_page(opened, 200)
    assert "Choose a new password" in form.texts
    assert form.forms == [{"method": "post", "action": "/reset-password"}]
    assert form.inputs["token"]["value"] == token
    assert form.inputs["new_password"]["type"] == "password"
    assert form.inputs["new_password"]["autocomplete"] == "new-password"
    assert opened.headers["cache-control"] == "no-store"

    weak = html_page(
        await client.post(
            "/reset-password", data={"token": token, "new_password": "short", "new_password_again": "short"}
        ),
        422,
    )
    assert weak.by_id["password-error"]["role"] == "alert"
    assert "The password must have at least 10 characters." in weak.texts
    assert weak.inputs["token"]["value"] == token
    assert "value" not in weak.inputs["new_password"]

    different = html_page(
        await client.post(
            "/reset-password",
            data={"token": token, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD + "!"},
        ),
        422,
    )
    assert "The two passwords are not the same. Type them again." in different.texts

    # The refused attempts left the link working.
    changed = await client.post(
        "/reset-password", data={"token": token, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    page = html_page(changed, 200)
    assert "Password changed" in page.texts
    assert "Sign in with the new password." in page.texts
    assert changed.headers["cache-control"] == "no-store"

    new_login = await client.post(
        "/api/v1/auth/login", json={"email": "forgetful@example.com", "password": NEW_PASSWORD}
    )
    assert new_login.status_code == 200, new_login.text
    assert new_login.json()["access_token"]
    old_login = await client.post("/api/v1/auth/login", json={"email": "forgetful@example.com", "password": PASSWORD})
    assert_problem(old_login, 401, "auth.invalid_credentials")

    reused = await client.post(
        "/reset-password",
        data={"token": token, "new_password": "yet another passphrase", "new_password_again": "yet another passphrase"},
    )
    spent = html_page(reused, 422)
    assert "This link no longer works" in spent.texts
    assert "Ask for a new password-reset e-mail." in spent.texts
    assert not spent.forms


async def test_an_expired_reset_link_changes_nothing(
    client: AsyncClient, lms: Lms, mailer: RecordingMailer, clock: FixedClock
) -> None:
    await register(client, "slow@example.com")
    await client.post("/api/v1/auth/forgot-password", json={"email": "slow@example.com"})
    await lms.outbox.drain()
    token = mailed_link(mailer, "slow@example.com", "reset-password").rsplit("=", 1)[1]
    clock.advance(timedelta(hours=1, seconds=1))
    expired = await client.post(
        "/reset-password", data={"token": token, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    page = html_page(expired, 422)
    assert "The link has expired, has already been used, or is not valid. Each reset link works once, for an hour." in (
        page.texts
    )
    still = await client.post("/api/v1/auth/login", json={"email": "slow@example.com", "password": PASSWORD})
    assert still.status_code == 200, still.text

    cut = html_page(
        await client.post(
            "/reset-password",
            data={"token": "x" * 600, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
        ),
        422,
    )
    assert "This link no longer works" in cut.texts
    assert "This link is incomplete" in html_page(await client.get("/reset-password"), 400).texts


# -- where the links lead ---------------------------------------------------------------------


async def test_the_forgot_password_page_sends_a_link_without_saying_who_has_an_account(
    client: AsyncClient, lms: Lms, mailer: RecordingMailer
) -> None:
    form = html_page(await client.get("/forgot-password"), 200)
    assert "Reset your password" in form.texts
    assert form.by_id["email"]["type"] == "email"

    await register(client, "forgetful@example.com")
    known = html_page(await client.post("/forgot-password", data={"email": " forgetful@example.com "}), 200)
    unknown = html_page(await client.post("/forgot-password", data={"email": "nobody@example.com"}), 200)
    assert known.text == unknown.text
    assert "Check your e-mail If an account exists for that email, a reset link is on its way." in known.text
    await lms.outbox.drain()
    reset_link = mailed_link(mailer, "forgetful@example.com", "reset-password")
    assert "Choose a new password" in html_page(await client.get(path_of(reset_link)), 200).texts
    assert mailer.to("nobody@example.com") == []

    too_long = "x" * 300 + "@example.com"
    refused = html_page(await client.post("/forgot-password", data={"email": too_long}), 422)
    assert refused.by_id["email"]["value"] == too_long
    assert refused.by_id["email-error"]["role"] == "alert"


@pytest.fixture
async def front_end_lms(database_url: str, clock: FixedClock, mailer: RecordingMailer) -> AsyncIterator[Lms]:
    settings = make_settings(database_url, account_pages_url="https://app.example.org/account/")
    async with open_lms(settings, clock=clock, mailer=mailer) as opened:
        yield opened


async def test_account_pages_url_points_the_links_at_another_front_end(
    front_end_lms: Lms, mailer: RecordingMailer
) -> None:
    transport = asgi_transport(create_app(front_end_lms))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await register(client, "embedded@example.com")
        await client.post("/api/v1/auth/forgot-password", json={"email": "embedded@example.com"})
    await front_end_lms.outbox.drain()
    assert mailed_link(mailer, "embedded@example.com", "verify-email").startswith(
        "https://app.example.org/account/verify-email?token="
    )
    assert mailed_link(mailer, "embedded@example.com", "reset-password").startswith(
        "https://app.example.org/account/reset-password?token="
    )


def test_account_pages_url_defaults_to_the_public_base_url() -> None:
    assert Settings(public_base_url="https://lms.example.org").account_pages_base_url() == "https://lms.example.org"
    environ = {"LMS_PUBLIC_BASE_URL": "https://lms.example.org", "LMS_ACCOUNT_PAGES_URL": "https://app.example.org/a"}
    assert Settings.from_env(environ).account_pages_base_url() == "https://app.example.org/a"


# -- certificates -----------------------------------------------------------------------------


async def issued_certificate(lms: Lms, name: str) -> tuple[str, UUID, Actor]:
    """A certificate of a learner called `name`: its number, its id, and the course's instructor."""
    done = await completed(lms, name=name, email="learner@example.com")
    result = await lms.certificates.generate(done.room.owner, done.enrollment.id)
    return result.certificate.certificate_number, result.certificate.id, done.room.owner


async def test_a_browser_sees_the_certificate_as_a_page_with_a_preview(
    client: AsyncClient, lms: Lms, clock: FixedClock
) -> None:
    number, certificate_id, owner = await issued_certificate(lms, "Ada Lovelace")
    url = f"/api/v1/certificates/verify/{number}"
    response = await client.get(url, headers=BROWSER)
    page = html_page(response, 200)
    assert response.headers["vary"] == "Accept"
    assert "cache-control" not in response.headers
    assert page.by_id["learner"] == {"tag": "dd", "dir": "auto", "id": "learner"}
    assert page.by_id["course"]["dir"] == "auto"
    now = clock.now()
    day = f"{now.day} {now:%B %Y}"
    assert (
        f"Certificate of completion Analytical Engines This certificate is valid. Learner Ada Lovelace "
        f"Course Analytical Engines Completed {day} Issued {day} Issuer LMS at testserver Certificate number {number}"
    ) in page.text
    assert page.meta["og:type"] == "website"
    assert page.meta["og:title"] == "Certificate of completion: Analytical Engines"
    assert page.meta["og:description"] == (
        f"Ada Lovelace completed “Analytical Engines” on {day}. Certificate {number} is valid."
    )
    assert page.meta["og:url"] == f"http://testserver{url}"
    assert page.meta["og:site_name"] == "LMS"

    short = html_page(await client.get(f"/certificates/verify/{number}", headers=BROWSER), 200)
    assert short.meta["og:url"] == f"http://testserver/certificates/verify/{number}"
    assert "This certificate is valid." in short.texts

    clock.advance(timedelta(days=3))
    await lms.certificates.revoke(owner, certificate_id, RevokeCertificate(reason="issued by mistake"))
    revoked_on = clock.now()
    revoked = html_page(await client.get(url, headers=BROWSER), 200)
    assert (
        f"This certificate was revoked on {revoked_on.day} {revoked_on:%B %Y} and no longer certifies this course."
    ) in revoked.text
    assert revoked.by_id["status"]["class"] == "status revoked"
    assert revoked.meta["og:description"].endswith(f"Certificate {number} is revoked.")
    # The reason is for the holder and the staff; the public verification does not show it.
    assert "issued by mistake" not in revoked.text


async def test_the_certificate_page_names_the_configured_issuer(lms: Lms) -> None:
    """The page names the issuer the PDFs print (LMS_CERTIFICATE_ISSUER), not the server's address."""
    number, _, _ = await issued_certificate(lms, "Ada Lovelace")
    app = create_app(lms, settings=Settings(certificate_issuer="Cairo Academy of Computing"))
    async with httpx.AsyncClient(transport=asgi_transport(app), base_url="http://testserver") as client:
        page = html_page(await client.get(f"/certificates/verify/{number}", headers=BROWSER), 200)
    assert "Issuer Cairo Academy of Computing Certificate number" in page.text
    assert "testserver" not in page.text


async def test_programs_still_get_the_json_verification(client: AsyncClient, lms: Lms) -> None:
    number, _, _ = await issued_certificate(lms, "Ada Lovelace")
    for headers in ({}, {"Accept": "application/json"}, {"Accept": "*/*"}, {"Accept": "application/json, text/html"}):
        response = await client.get(f"/api/v1/certificates/verify/{number}", headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.headers["content-security-policy"] == API_CSP.decode()
        assert response.headers["vary"] == "Accept"
        body = response.json()
        assert (body["certificate_number"], body["valid"], body["student_name"]) == (number, True, "Ada Lovelace")
    short = await client.get(f"/certificates/verify/{number}")
    assert short.json()["certificate_number"] == number


async def test_an_unknown_certificate_is_a_friendly_page_or_a_problem(client: AsyncClient) -> None:
    for url in ("/api/v1/certificates/verify/CERT-20260101-FFFFFFFF", "/certificates/verify/whatever"):
        page = html_page(await client.get(url, headers=BROWSER), 404)
        assert "No such certificate" in page.texts
        assert f"No certificate has the number {url.rsplit('/', 1)[1]}." in page.texts
        assert "Check the number printed on the certificate, or scan its QR code again." in page.texts
        problem = await client.get(url)
        assert_problem(problem, 404, "certificates.not_found")
        assert problem.headers["vary"] == "Accept"


async def test_names_in_any_script_are_escaped_and_laid_out_by_their_direction(client: AsyncClient, lms: Lms) -> None:
    name = "ليلى <b>Lovelace</b>"
    number, _, _ = await issued_certificate(lms, name)
    response = await client.get(f"/certificates/verify/{number}", headers=BROWSER)
    page = html_page(response, 200)
    assert '<dd dir="auto" id="learner">ليلى &lt;b&gt;Lovelace&lt;/b&gt;</dd>' in response.text
    assert "<b>" not in response.text
    assert page.meta["og:description"].startswith(f"{name} completed")


async def test_the_api_document_names_the_page_of_the_verification(client: AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    content = schema["paths"]["/api/v1/certificates/verify/{certificate_number}"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/CertificateVerification"}
    assert content["text/html"]["schema"] == {"type": "string"}
    assert not [path for path in schema["paths"] if not path.startswith("/api/")]
