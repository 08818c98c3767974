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


def _post(
    client: httpx.Client, path: str, token: str | None = None, body: object = None, *, status: int = 201
) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, f"{path}: {response.status_code} {response.text}"
    answer: dict[str, object] = response.json()
    return answer


def _register(client: httpx.Client, email: str, name: str, role: str) -> str:
    body = {"email": email, "password": "a long e2e passphrase", "full_name": name, "role": role}
    token = _post(client, "/api/v1/auth/register", body=body)["access_token"]
    assert isinstance(token, str)
    return token


def _published_course(client: httpx.Client, token: str, title: str) -> tuple[str, str]:
    course = _post(client, "/api/v1/courses", token, {"title": title})
    lesson = _post(
        client,
        f"/api/v1/courses/{course['id']}/lessons",
        token,
        {"title": "Read", "lesson_type": "text", "content": "x"},
    )
    _post(client, f"/api/v1/courses/{course['id']}/publish", token, status=200)
    return str(course["id"]), str(lesson["id"])


def test_every_learning_email_reaches_the_learner_through_the_worker(tmp_path: Path) -> None:
    """Enrolled, completed and certificate-issued e-mails from the served API's events, and the weekly
    summary from its job, all sent by a real `lms worker` (or the job's own run), none by the server."""
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
            "LMS_CERTIFICATE_RENDERER": "reportlab",
            "LMS_STORAGE_URL": f"file://{tmp_path / 'files'}",
        }
        server_env = {**common, "LMS_SMTP_URL": f"smtp://127.0.0.1:{server_smtp_port}?starttls=false"}
        worker_env = {**common, "LMS_SMTP_URL": f"smtp://127.0.0.1:{worker_smtp_port}?starttls=false"}
        assert start(["db", "upgrade"], server_env, tmp_path).wait(timeout=60) == 0
        server = start(["serve", "--port", str(port)], server_env, tmp_path)
        try:
            wait_healthy(server, port)
            with (
                worker(worker_env, tmp_path) as running,
                httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
            ):
                teacher = _register(client, "teacher@example.com", "Tess Teacher", "instructor")
                learner = _register(client, "learner@example.com", "Lina Learner", "student")
                finished_id, lesson_id = _published_course(client, teacher, "Finished Course")
                ongoing_id, _ = _published_course(client, teacher, "Ongoing Course")
                enrollment = _post(client, "/api/v1/enrollments", learner, {"course_id": finished_id})
                _post(client, "/api/v1/enrollments", learner, {"course_id": ongoing_id})
                _post(
                    client, f"/api/v1/enrollments/{enrollment['id']}/lessons/{lesson_id}/complete", learner, status=200
                )

                def learner_subjects() -> list[str]:
                    return sorted(str(m["Subject"]) for m in worker_mail.messages if m["To"] == "learner@example.com")

                # Welcome and verification, two enrolments, the completion and the certificate.
                wait_until(lambda: len(learner_subjects()) == 6, within=60, what="the learner's six e-mails")
                job = start(["emails", "weekly-progress", "--json"], worker_env, tmp_path)
                assert job.wait(timeout=60) == 0
                wait_until(lambda: len(learner_subjects()) == 7, within=30, what="the weekly summary")
                assert running.stop() == 0
            subjects = learner_subjects()
            assert sum("enrolled in Finished Course" in s for s in subjects) == 1, subjects
            assert sum("enrolled in Ongoing Course" in s for s in subjects) == 1, subjects
            assert sum("completed Finished Course" in s for s in subjects) == 1, subjects
            assert sum("certificate for Finished Course" in s for s in subjects) == 1, subjects
            assert sum(s.startswith("Your week on") for s in subjects) == 1, subjects
            weekly = next(m for m in worker_mail.messages if str(m["Subject"]).startswith("Your week on"))
            assert weekly["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert f"http://127.0.0.1:{port}/" in str(weekly["List-Unsubscribe"])
        finally:
            code, output = stop(server)
        assert code == 0, output
        assert "Traceback" not in output
        assert "Traceback" not in running.output
        assert server_mail.messages == []
