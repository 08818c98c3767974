"""A real `lms serve` relaying events through a real Redis broker to a real `lms worker`, which sends the
e-mails to a real SMTP server; the server process sends none itself."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.e2e.servers import start, stop, wait_healthy
from tests.support.delivery import redis_server, smtp_server, worker
from tests.support.network import free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


def test_registering_sends_the_welcome_and_verification_emails_through_the_worker(tmp_path: Path) -> None:
    port = free_port()
    with (
        redis_server(tmp_path) as redis,
        smtp_server() as (worker_mail, worker_smtp_port),
        smtp_server() as (server_mail, server_smtp_port),
    ):
        common = {
            "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
            "LMS_SECRET_KEY": TEST_SECRET,
            "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "LMS_BROKER_URL": redis.url,
            "LMS_OUTBOX_POLL_SECONDS": "0.5",
        }
        # Each process its own mail server: what reaches one was sent by that process.
        server_env = {**common, "LMS_SMTP_URL": f"smtp://127.0.0.1:{server_smtp_port}?starttls=false"}
        worker_env = {**common, "LMS_SMTP_URL": f"smtp://127.0.0.1:{worker_smtp_port}?starttls=false"}
        assert start(["db", "upgrade"], server_env, tmp_path).wait(timeout=60) == 0
        server = start(["serve", "--port", str(port)], server_env, tmp_path)
        try:
            wait_healthy(server, port)
            with worker(worker_env, tmp_path) as running:
                registered = httpx.post(
                    f"http://127.0.0.1:{port}/api/v1/auth/register",
                    json={"email": "queued@example.com", "password": "a long e2e passphrase", "full_name": "Queued"},
                    timeout=10,
                )
                assert registered.status_code == 201, registered.text
                wait_until(lambda: len(worker_mail.messages) == 2, within=30, what="the worker to send both e-mails")
                assert running.stop() == 0
            subjects = sorted(str(message["Subject"]) for message in worker_mail.messages)
            assert {str(message["To"]) for message in worker_mail.messages} == {"queued@example.com"}
            assert len(set(subjects)) == 2
            assert any("verif" in subject.lower() for subject in subjects), subjects
        finally:
            code, output = stop(server)
        assert code == 0, output
        assert "Traceback" not in output
        assert "Traceback" not in running.output
        assert server_mail.messages == []
