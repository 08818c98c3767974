"""A real `lms serve` process with a real SMTP server, and the `lms demo` quickstart."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.conftest import TEST_SECRET
from tests.e2e.servers import start, stop, wait_healthy
from tests.support.network import free_port

pytestmark = pytest.mark.slow


class Sink:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text part")


def test_served_api_sends_mail_over_smtp_and_stops_on_sigterm(tmp_path: Path, smtp: tuple[Sink, int]) -> None:
    sink, smtp_port = smtp
    port = free_port()
    env = {
        "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        "LMS_SECRET_KEY": TEST_SECRET,
        "LMS_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?starttls=false",
        "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LMS_OUTBOX_POLL_SECONDS": "0.5",
    }
    assert start(["db", "upgrade"], env, tmp_path).wait(timeout=60) == 0
    server = start(["serve", "--port", str(port)], env, tmp_path)
    try:
        wait_healthy(server, port)
        base = f"http://127.0.0.1:{port}/api/v1"
        registered = httpx.post(
            f"{base}/auth/register",
            json={"email": "e2e@example.com", "password": "a long e2e passphrase", "full_name": "End To End"},
            timeout=10,
        )
        assert registered.status_code == 201, registered.text
        deadline = time.monotonic() + 15
        while len(sink.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(sink.messages) == 2
        assert {m["To"] for m in sink.messages} == {"e2e@example.com"}
        verification = next(m for m in sink.messages if "verify-email?token=" in _text(m))
        found = re.search(r"token=([A-Za-z0-9_\-]+)", _text(verification))
        assert found
        confirmed = httpx.post(f"{base}/auth/verify-email/confirm", json={"token": found.group(1)}, timeout=10)
        assert confirmed.status_code == 200
        assert confirmed.json()["email_verified_at"]
    finally:
        code, output = stop(server)
    assert code == 0, output
    assert "Traceback" not in output


def test_demo_quickstart_serves_seeded_accounts(tmp_path: Path) -> None:
    port = free_port()
    demo = start(["demo", "--port", str(port)], {"LMS_SECRET_KEY": ""}, tmp_path)
    try:
        wait_healthy(demo, port, timeout=60)
        login = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/login",
            json={"email": "admin@demo.lms", "password": "demo-admin-password"},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        users = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/users", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert users.json()["total"] == 5
        catalogue = httpx.get(f"http://127.0.0.1:{port}/api/v1/courses", timeout=10).json()
        assert [c["title"] for c in catalogue["items"]] == ["Python for Data Analysis"]
        course = catalogue["items"][0]
        assert course["enrollment_count"] == 3
        lessons = httpx.get(f"http://127.0.0.1:{port}/api/v1/courses/{course['id']}/lessons", timeout=10).json()
        assert {lesson["lesson_type"] for lesson in lessons} == {"video", "text", "quiz"}
        assert httpx.get(f"http://127.0.0.1:{port}/schema/openapi.json", timeout=10).status_code == 200
    finally:
        code, output = stop(demo)
    assert code == 0, output
    assert "admin@demo.lms" in output
    assert f"http://127.0.0.1:{port}/schema" in output
    assert (tmp_path / "lms-demo.db").exists()
