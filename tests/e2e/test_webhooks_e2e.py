"""A real `lms serve` queues events on a real Redis broker; a real `lms worker` posts them, signed, to a real
receiver as a learner enrols, completes a course and gets its certificate. An independent implementation
of the Standard Webhooks check (the `standardwebhooks` package) verifies every request."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.conftest import TEST_SECRET
from tests.e2e.servers import start, stop, wait_healthy
from tests.support.delivery import redis_server, worker
from tests.support.network import free_port
from tests.support.waiting import wait_until
from tests.unit.webhooks.receiver import Received, running_receiver

pytestmark = pytest.mark.slow

ADMIN_PASSWORD = "an admin e2e passphrase"
USER_PASSWORD = "a long e2e passphrase"
ENROLLED = "enrollments.student_enrolled"
COMPLETED = "enrollments.completed"
ISSUED = "certificates.issued"


def _json(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _signed_in(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    body = _json(client.post("/auth/login", json={"email": email, "password": password}), 200)
    return {"Authorization": f"Bearer {body['access_token']}"}


def _register(client: httpx.Client, email: str, role: str) -> dict[str, str]:
    body = _json(
        client.post(
            "/auth/register",
            json={"email": email, "password": USER_PASSWORD, "full_name": f"E2E {role}", "role": role},
        ),
        201,
    )
    return {"Authorization": f"Bearer {body['access_token']}"}


def _verified(verifier: Webhook, request: Received) -> dict[str, Any]:
    """The payload of a request whose signature, id and timestamp headers pass the independent check."""
    payload: dict[str, Any] = verifier.verify(request.body, request.headers)
    assert request.path == "/hooks"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == payload["id"]
    assert set(payload) == {"type", "id", "version", "timestamp", "data"}
    assert payload["version"] == 1
    assert datetime.fromisoformat(payload["timestamp"]).utcoffset() == UTC.utcoffset(None)
    return payload


def test_the_worker_posts_signed_events_and_retries_the_one_answered_500(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "e2e.db"
    # The first request the receiver gets is answered 500, every later one 200.
    with redis_server(tmp_path) as redis, running_receiver([500]) as receiver:
        env = {
            "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "LMS_SECRET_KEY": TEST_SECRET,
            "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "LMS_BROKER_URL": redis.url,
            "LMS_MAIL_DIR": str(tmp_path / "mail"),
            "LMS_STORAGE_URL": f"file://{tmp_path / 'storage'}",
            "LMS_CERTIFICATE_RENDERER": "reportlab",
            "LMS_OUTBOX_POLL_SECONDS": "0.2",
            # The outbox comes back for the failed delivery within a fraction of a second, then at doubling
            # intervals, until the delivery's own back-off (a few seconds) lets the second attempt go.
            "LMS_OUTBOX_RETRY_BASE_SECONDS": "0.25",
            # The receiver listens on loopback: refused at registration (server) and connection (worker) without.
            "LMS_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
        }
        assert start(["db", "upgrade"], env, tmp_path).wait(timeout=60) == 0
        create_admin = start(
            ["users", "create-admin", "--email", "ops@example.com", "--full-name", "Ops", "--password", ADMIN_PASSWORD],
            env,
            tmp_path,
        )
        assert create_admin.wait(timeout=60) == 0
        server = start(["serve", "--port", str(port)], env, tmp_path)
        try:
            wait_healthy(server, port)
            with (
                worker(env, tmp_path) as running,
                httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30) as client,
            ):
                admin = _signed_in(client, "ops@example.com", ADMIN_PASSWORD)
                created = _json(
                    client.post(
                        "/webhooks",
                        json={"url": receiver.url, "event_types": [ENROLLED, COMPLETED, ISSUED], "description": "e2e"},
                        headers=admin,
                    ),
                    201,
                )
                # The secret is shown this once: the receiver's verifier is built from it and nothing else.
                verifier = Webhook(created["secret"])
                endpoint_id = created["endpoint"]["id"]

                def deliveries() -> dict[str, Any]:
                    listed: dict[str, Any] = _json(
                        client.get(f"/webhooks/{endpoint_id}/deliveries", headers=admin), 200
                    )
                    return listed

                def endpoint() -> dict[str, Any]:
                    shown: dict[str, Any] = _json(client.get(f"/webhooks/{endpoint_id}", headers=admin), 200)
                    return shown

                teacher = _register(client, "teacher@example.com", "instructor")
                course = _json(client.post("/courses", json={"title": "Webhooks 101"}, headers=teacher), 201)
                lesson = _json(
                    client.post(
                        f"/courses/{course['id']}/lessons",
                        json={"title": "Only lesson", "lesson_type": "text", "content": "Read me."},
                        headers=teacher,
                    ),
                    201,
                )
                _json(client.post(f"/courses/{course['id']}/publish", headers=teacher), 200)
                learner = _register(client, "learner@example.com", "student")
                enrollment = _json(client.post("/enrollments", json={"course_id": course["id"]}, headers=learner), 201)

                # Completing only after the enrolment's first attempt makes that attempt the one answered 500.
                wait_until(lambda: len(receiver.requests) == 1, within=30, what="the enrolment's first attempt")
                [refused] = receiver.requests
                assert refused.answered == 500
                assert _verified(verifier, refused)["type"] == ENROLLED

                def failed_attempt_recorded() -> bool:
                    return [(item["attempts"], item["status"]) for item in deliveries()["items"]] == [(1, "pending")]

                # The delivery's back-off is seconds long: the failed attempt stays visible until the retry.
                wait_until(failed_attempt_recorded, within=30, what="the failed attempt to be recorded")
                [pending] = deliveries()["items"]
                failing = endpoint()
                assert len(receiver.requests) == 1, "retried before its back-off"
                assert pending["event_type"] == ENROLLED
                assert pending["event_id"] == refused.headers["webhook-id"]
                assert pending["last_status_code"] == 500
                assert pending["last_error"] == "the receiver answered 500"
                assert pending["delivered_at"] is None
                assert pending["next_attempt_at"] > pending["last_attempt_at"]
                assert failing["failing_since"] == pending["last_attempt_at"]
                assert failing["is_active"] is True

                _json(
                    client.post(f"/enrollments/{enrollment['id']}/lessons/{lesson['id']}/complete", headers=learner),
                    200,
                )

                def all_delivered() -> bool:
                    items = deliveries()["items"]
                    return len(items) == 3 and all(item["status"] == "delivered" for item in items)

                # The enrolment's retry, the completion and the certificate, each recorded once it got its 200.
                wait_until(all_delivered, within=60, what="the three deliveries to be recorded as delivered")
                listed = deliveries()
                healthy = endpoint()
                certificates = _json(client.get("/certificates/my-certificates", headers=learner), 200)
                assert running.stop() == 0
        finally:
            code, output = stop(server)
        assert code == 0, output
        assert "Traceback" not in output
        assert "Traceback" not in running.output
        # The worker made the failed attempt (its relay logs the failure); the server only queued the tasks.
        assert "the receiver answered 500" in running.output
        assert "the receiver answered 500" not in output
        requests = list(receiver.requests)

    # Every request is signed with the secret shown at registration; one 2xx per event id, nothing more.
    payloads = [(request.answered, _verified(verifier, request)) for request in requests]
    assert [answer for answer, _ in payloads] == [500, 200, 200, 200]
    accepted = {payload["type"]: payload for answer, payload in payloads if answer == 200}
    assert set(accepted) == {ENROLLED, COMPLETED, ISSUED}
    assert accepted[ENROLLED]["id"] == refused.headers["webhook-id"]
    assert Counter(payload["id"] for _, payload in payloads) == {
        accepted[ENROLLED]["id"]: 2,
        accepted[COMPLETED]["id"]: 1,
        accepted[ISSUED]["id"]: 1,
    }
    assert Counter(request.headers["webhook-id"] for request in requests if request.answered == 200) == {
        payload["id"]: 1 for payload in accepted.values()
    }
    # The retry is the same message (id, payload), signed again for its own attempt.
    assert accepted[ENROLLED] == payloads[0][1]
    learner_ids = {
        "enrollment_id": enrollment["id"],
        "student_id": enrollment["student_id"],
        "course_id": course["id"],
    }
    assert accepted[ENROLLED]["data"] == learner_ids
    assert accepted[COMPLETED]["data"] == learner_ids
    [certificate] = certificates["items"]
    assert accepted[ISSUED]["data"] == {
        "certificate_id": certificate["id"],
        "certificate_number": certificate["certificate_number"],
        **learner_ids,
    }

    # The listing: the enrolment's delivery took two attempts (a 500, then a 200), the others one.
    assert listed["total"] == 3
    by_type = {item["event_type"]: item for item in listed["items"]}
    assert {kind: by_type[kind]["event_id"] for kind in by_type} == {kind: accepted[kind]["id"] for kind in accepted}
    assert {kind: (item["attempts"], item["last_status_code"]) for kind, item in by_type.items()} == {
        ENROLLED: (2, 200),
        COMPLETED: (1, 200),
        ISSUED: (1, 200),
    }
    for item in listed["items"]:
        assert item["last_error"] is None
        assert item["next_attempt_at"] is None
        assert item["delivered_at"] == item["last_attempt_at"]
    assert by_type[ENROLLED]["last_attempt_at"] > pending["last_attempt_at"]
    assert healthy["failing_since"] is None

    with sqlite3.connect(database) as connection:
        stored = connection.execute(
            "SELECT event_type, status, attempts, last_status_code FROM webhook_deliveries ORDER BY event_type"
        ).fetchall()
        # No attempt left to make, none kept as failed.
        attempts_left = connection.execute(
            "SELECT COUNT(*) FROM outbox WHERE event_type = 'webhooks.delivery_due'"
        ).fetchone()
    assert stored == [
        (ISSUED, "delivered", 1, 200),
        (COMPLETED, "delivered", 1, 200),
        (ENROLLED, "delivered", 2, 200),
    ]
    assert attempts_left == (0,)
