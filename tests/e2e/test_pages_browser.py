"""The pages in a real browser: Debian's Chromium, driven by Playwright, against a real `lms serve`.

The links are the ones the server actually mailed (written as `.eml` files, LMS_MAIL_DIR), opened and
clicked the way a person would; the outcome is read back from the database. Every request the browser
makes is recorded: nothing a page (or the API docs) loads may come from anywhere but the server.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest

from lms_adapters.bootstrap import open_lms
from lms_adapters.settings import Settings
from lms_core import Actor
from lms_core.certificates.commands import RevokeCertificate
from tests.conftest import TEST_SECRET
from tests.e2e.servers import free_port, start, stop, wait_healthy
from tests.support.certificates import completed
from tests.support.databases import IN_CI
from tests.support.flows import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Response

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NEW_PASSWORD = "a browser-chosen passphrase"
TIMEOUT_MS = 15_000


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {reason}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _unavailable(f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the browser tests need Playwright (pip install playwright; no `playwright install`)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Server:
    base: str
    database: Path
    mail_dir: Path
    env: dict[str, str]
    directory: Path
    settings: Settings


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("pages")
    port = free_port()
    database = directory / "pages.db"
    base = f"http://127.0.0.1:{port}"
    env = {
        "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "LMS_SECRET_KEY": TEST_SECRET,
        "LMS_PUBLIC_BASE_URL": base,
        "LMS_MAIL_DIR": str(directory / "mail"),
        "LMS_SMTP_URL": "",
        "LMS_PASSWORD_HASHING": "fast",
        "LMS_OUTBOX_POLL_SECONDS": "0.2",
        "LMS_STORAGE_URL": f"file://{directory / 'storage'}",
        "LMS_CERTIFICATE_RENDERER": "reportlab",
    }
    assert start(["db", "upgrade"], env, directory).wait(timeout=60) == 0
    process = start(["serve", "--port", str(port)], env, directory)
    # The test's own engine over the same database, for what no page does (issuing a certificate).
    settings = Settings(
        database_url=env["LMS_DATABASE_URL"],
        secret_key=TEST_SECRET,
        public_base_url=base,
        password_hashing="fast",
        outbox_worker=False,
        storage_url=env["LMS_STORAGE_URL"],
        certificate_renderer="reportlab",
    )
    try:
        wait_healthy(process, port)
        yield Server(base, database, directory / "mail", env, directory, settings)
    finally:
        code, output = stop(process)
    assert code == 0, output
    assert "Traceback" not in output


@dataclass
class Visit:
    """A browser tab that records every address it asks for, the files it could not load and the errors of
    its console."""

    page: Page
    requests: list[str] = field(default_factory=list)
    failed_files: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def assert_stayed_home(self, base: str) -> None:
        """Every request went to the server (or was a `data:` URL), every file a page asked for (style,
        script, icon) was there, and no Content-Security-Policy of the server's blocked anything (the
        browser reports each refusal on its console). Pages themselves may answer 4xx on purpose."""
        foreign = [url for url in self.requests if not url.startswith(f"{base}/") and not url.startswith("data:")]
        assert not foreign, foreign
        assert self.requests, "the browser asked for nothing"
        assert not self.failed_files, self.failed_files
        refused = [text for text in self.console_errors if "Content Security Policy" in text or "Refused to" in text]
        assert not refused, refused


def _record(visit: Visit, response: Response) -> None:
    if response.request.resource_type != "document" and response.status >= 400:
        visit.failed_files.append(f"{response.status} {response.url}")


def _record_console(visit: Visit, message: ConsoleMessage) -> None:
    if message.type == "error":
        visit.console_errors.append(message.text)


@pytest.fixture
def visit(browser: Browser) -> Iterator[Visit]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    recorded = Visit(page)
    page.on("request", lambda request: recorded.requests.append(request.url))
    page.on("response", lambda response: _record(recorded, response))
    page.on("requestfailed", lambda request: recorded.failed_files.append(f"failed {request.url}"))
    page.on("console", lambda message: _record_console(recorded, message))
    try:
        yield recorded
    finally:
        context.close()


def mailed_link(server: Server, address: str, path: str, *, after: int = 0) -> str:
    """The `{path}?token=` link of the newest e-mail to `address` among those written after the first
    `after` files, waiting for the server's outbox worker to write it."""
    pattern = re.compile(rf"{re.escape(server.base)}/{path}\?token=[A-Za-z0-9_\-]+")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        files = sorted(server.mail_dir.glob("*.eml")) if server.mail_dir.exists() else []
        for eml in reversed(files[after:]):
            message = message_from_bytes(eml.read_bytes(), policy=default_policy)
            if message["To"] != address:
                continue
            body = message.get_body(preferencelist=("plain",))
            found = pattern.search(body.get_content() if body is not None else "")
            if found:
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no {path} link was mailed to {address}")


def mail_count(server: Server) -> int:
    return len(list(server.mail_dir.glob("*.eml"))) if server.mail_dir.exists() else 0


def stored_verification(server: Server, email: str) -> object:
    with sqlite3.connect(server.database) as connection:
        row = connection.execute("SELECT email_verified_at FROM users WHERE email = ?", (email,)).fetchone()
    assert row is not None, email
    return row[0]


def register(server: Server, email: str, name: str) -> None:
    response = httpx.post(
        f"{server.base}/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": name},
        timeout=10,
    )
    assert response.status_code == 201, response.text


def login_status(server: Server, email: str, password: str) -> int:
    return httpx.post(
        f"{server.base}/api/v1/auth/login", json={"email": email, "password": password}, timeout=10
    ).status_code


def assert_styled(page: Page) -> None:
    """The stylesheet was allowed by the pages' policy and applied (the card is narrowed by it)."""
    assert page.eval_on_selector("main", "element => getComputedStyle(element).maxWidth") != "none"


def test_the_verification_link_verifies_on_the_button_press(server: Server, visit: Visit) -> None:
    register(server, "browser@example.com", "Browser User")
    link = mailed_link(server, "browser@example.com", "verify-email")
    page = visit.page

    page.goto(link)
    page.get_by_role("heading", name="Confirm your e-mail address").wait_for()
    assert_styled(page)
    assert stored_verification(server, "browser@example.com") is None

    page.get_by_role("button", name="Confirm my e-mail address").click()
    page.get_by_role("heading", name="E-mail address confirmed").wait_for()
    assert urlsplit(page.url).path == "/verify-email"
    assert "The address browser@example.com is now verified." in page.inner_text("main")
    assert stored_verification(server, "browser@example.com") is not None

    # Back, and pressed again: the token is spent.
    page.go_back()
    page.get_by_role("button", name="Confirm my e-mail address").click()
    page.get_by_role("heading", name="This link no longer works").wait_for()
    assert "The link has expired, has already been used, or is not valid." in page.inner_text("main")
    visit.assert_stayed_home(server.base)


def test_the_reset_link_changes_the_password(server: Server, visit: Visit) -> None:
    register(server, "resetter@example.com", "Reset User")
    before = mail_count(server)
    forgot = httpx.post(
        f"{server.base}/api/v1/auth/forgot-password", json={"email": "resetter@example.com"}, timeout=10
    )
    assert forgot.status_code == 202
    link = mailed_link(server, "resetter@example.com", "reset-password", after=before)
    page = visit.page

    page.goto(link)
    page.get_by_role("heading", name="Choose a new password").wait_for()
    page.get_by_label("New password", exact=True).fill("password123")
    page.get_by_label("New password, again").fill("password123")
    page.get_by_role("button", name="Change my password").click()
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("alert").inner_text() == "The password is one of the most commonly used passwords."

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password, again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    page.get_by_role("heading", name="Password changed").wait_for()
    assert "Sign in with the new password." in page.inner_text("main")

    assert login_status(server, "resetter@example.com", NEW_PASSWORD) == 200
    assert login_status(server, "resetter@example.com", PASSWORD) == 401
    visit.assert_stayed_home(server.base)


async def _issue_certificate(settings: Settings, name: str) -> str:
    async with open_lms(settings) as lms:
        done = await completed(lms, name=name, email="graduate@example.com")
        issued = await lms.certificates.generate(done.room.owner, done.enrollment.id)
        return issued.certificate.certificate_number


async def _revoke(settings: Settings, number: str) -> None:
    async with open_lms(settings) as lms:
        # As an operator does (`lms certificates revoke`).
        await lms.certificates.revoke_by_number(Actor.system(), number, RevokeCertificate(reason="issued by mistake"))


def test_a_certificate_address_shows_the_learner_and_whether_it_stands(server: Server, visit: Visit) -> None:
    # Playwright's synchronous API keeps an event loop running in this thread: the engine runs in another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        number = pool.submit(asyncio.run, _issue_certificate(server.settings, "Ada Lovelace")).result(timeout=60)
    page = visit.page

    page.goto(f"{server.base}/api/v1/certificates/verify/{number}")
    page.locator("#status").wait_for()
    assert page.inner_text("#learner") == "Ada Lovelace"
    assert page.inner_text("#course") == "Analytical Engines"
    assert page.inner_text("#status") == "This certificate is valid."
    assert page.get_attribute('meta[property="og:title"]', "content") == "Certificate of completion: Analytical Engines"
    assert_styled(page)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _revoke(server.settings, number)).result(timeout=60)
    page.reload()
    assert page.inner_text("#status").startswith("This certificate was revoked on ")

    page.goto(f"{server.base}/certificates/verify/CERT-20260101-FFFFFFFF")
    page.get_by_role("heading", name="No such certificate").wait_for()
    visit.assert_stayed_home(server.base)


def test_the_api_docs_render_from_the_apps_own_files(server: Server, visit: Visit) -> None:
    page = visit.page
    page.goto(f"{server.base}/schema/swagger")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 20
    assert page.locator(".opblock-summary-path", has_text="/api/v1/certificates/verify/").count() == 1
    scripts_and_styles = [url for url in visit.requests if url.endswith((".js", ".css"))]
    assert {urlsplit(url).path for url in scripts_and_styles} >= {
        "/schema/assets/swagger-ui-bundle.js",
        "/schema/assets/swagger-ui.css",
        "/schema/assets/swagger-init.js",
    }
    visit.assert_stayed_home(server.base)


def test_the_root_page_links_to_the_docs(server: Server, visit: Visit) -> None:
    page = visit.page
    page.goto(f"{server.base}/")
    page.get_by_role("link", name="API documentation").click()
    page.locator(".opblock").first.wait_for()
    assert urlsplit(page.url).path == "/schema/swagger"
    visit.assert_stayed_home(server.base)
