"""A real `lms serve` posts signed webhooks to a real receiver as a learner enrols and completes a course;
an independent implementation (the `standardwebhooks` package) verifies them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.conftest import TEST_SECRET
from tests.e2e.servers import start, stop, wait_healthy
from tests.support.network import free_port
from tests.support.waiting import wait_until
from tests.unit.webhooks.receiver import running_receiver

pytestmark = pytest.mark.slow

ADMIN_PASSWORD = "an admin e2e passphrase"
USER_PASSWORD = "a long e2e passphrase"


def _json(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _signed_in(base: str, email: str, password: str) -> dict[str, str]:
    body = _json(httpx.post(f"{base}/auth/login", json={"email": email, "password": password}, timeout=10), 200)
    return {"Authorization": f"Bearer {body['access_token']}"}


def _register(base: str, email: str, role: str) -> dict[str, str]:
    body = _json(
        httpx.post(
            f"{base}/auth/register",
            json={"email": email, "password": USER_PASSWORD, "full_name": f"E2E {role}", "role": role},
            timeout=10,
        ),
        201,
    )
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_a_served_engine_posts_signed_events_and_retries_a_failed_one(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "e2e.db"
    env = {
        "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "LMS_SECRET_KEY": TEST_SECRET,
        "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LMS_MAIL_DIR": str(tmp_path / "mail"),
        "LMS_STORAGE_URL": f"file://{tmp_path / 'storage'}",
        "LMS_OUTBOX_POLL_SECONDS": "0.2",
        # The receiver runs on this machine's loopback interface, refused without this.
        "LMS_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
    }
    assert start(["db", "upgrade"], env, tmp_path).wait(timeout=60) == 0
    create_admin = start(
        ["users", "create-admin", "--email", "ops@example.com", "--full-name", "Ops", "--password", ADMIN_PASSWORD],
        env,
        tmp_path,
    )
    assert create_admin.wait(timeout=60) == 0
    # The first attempt at the first event gets a 500: that delivery must be retried, then delivered once.
    with running_receiver([500]) as receiver:
        server = start(["serve", "--port", str(port)], env, tmp_path)
        try:
            wait_healthy(server, port)
            base = f"http://127.0.0.1:{port}/api/v1"
            admin = _signed_in(base, "ops@example.com", ADMIN_PASSWORD)
            created = _json(
                httpx.post(
                    f"{base}/webhooks",
                    json={
                        "url": receiver.url,
                        "event_types": ["enrollments.student_enrolled", "enrollments.completed"],
                        "description": "e2e receiver",
                    },
                    headers=admin,
                    timeout=10,
                ),
                201,
            )
            verifier = Webhook(created["secret"])
            endpoint_id = created["endpoint"]["id"]

            teacher = _register(base, "teacher@example.com", "instructor")
            course = _json(
                httpx.post(f"{base}/courses", json={"title": "Webhooks 101"}, headers=teacher, timeout=10), 201
            )
            lesson = _json(
                httpx.post(
                    f"{base}/courses/{course['id']}/lessons",
                    json={"title": "Only lesson", "lesson_type": "text", "content": "Read me."},
                    headers=teacher,
                    timeout=10,
                ),
                201,
            )
            _json(httpx.post(f"{base}/courses/{course['id']}/publish", headers=teacher, timeout=10), 200)
            learner = _register(base, "learner@example.com", "student")
            enrollment = _json(
                httpx.post(f"{base}/enrollments", json={"course_id": course["id"]}, headers=learner, timeout=10), 201
            )
            httpx.post(
                f"{base}/enrollments/{enrollment['id']}/lessons/{lesson['id']}/complete", headers=learner, timeout=10
            ).raise_for_status()

            # The outbox retries the 500 after its back-off (5 s); allow for a loaded machine.
            wait_until(lambda: len(receiver.delivered()) >= 2, within=60, what="both events delivered")
            deliveries = _json(httpx.get(f"{base}/webhooks/{endpoint_id}/deliveries", headers=admin, timeout=10), 200)
        finally:
            code, output = stop(server)
        assert code == 0, output

    payloads: dict[str, list[tuple[int, Any]]] = {}
    for request in receiver.requests:
        payload = verifier.verify(request.body, request.headers)
        assert request.headers["webhook-id"] == payload["id"]
        payloads.setdefault(payload["type"], []).append((request.answered, payload))
    assert set(payloads) == {"enrollments.student_enrolled", "enrollments.completed"}
    [(first_answer, enrolled), (second_answer, enrolled_again)] = payloads["enrollments.student_enrolled"]
    assert (first_answer, second_answer) == (500, 200)
    assert enrolled == enrolled_again
    assert enrolled["data"]["enrollment_id"] == enrollment["id"]
    [(answer, completed)] = payloads["enrollments.completed"]
    assert answer == 200
    assert completed["data"] == {
        "enrollment_id": enrollment["id"],
        "student_id": enrollment["student_id"],
        "course_id": course["id"],
    }
    # One 2xx per event: nothing for the receiver to de-duplicate.
    assert sorted(json.loads(r.body)["type"] for r in receiver.delivered()) == [
        "enrollments.completed",
        "enrollments.student_enrolled",
    ]
    assert deliveries["total"] == 2
    by_type = {item["event_type"]: item for item in deliveries["items"]}
    assert by_type["enrollments.student_enrolled"]["status"] == "delivered"
    assert by_type["enrollments.student_enrolled"]["attempts"] == 2
    assert by_type["enrollments.student_enrolled"]["last_status_code"] == 200
    assert by_type["enrollments.student_enrolled"]["event_id"] == enrolled["id"]
    assert by_type["enrollments.completed"]["attempts"] == 1
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT COUNT(*), COUNT(DISTINCT event_id) FROM webhook_deliveries").fetchone()
    assert rows == (2, 2)
