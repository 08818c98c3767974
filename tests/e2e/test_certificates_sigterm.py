"""A real `lms serve` issues certificates with borb (on completion and on request), serves and verifies
them, and still stops gracefully on SIGTERM: borb must not have taken over the signal handlers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.e2e.servers import start, stop, wait_healthy
from tests.support.certificates import pdf_text
from tests.support.network import free_port

pytestmark = pytest.mark.slow
PASSWORD = "a long e2e passphrase"


def _post(url: str, token: str | None = None, **body: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(url, json=body or None, headers=headers, timeout=30)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def _signed_up(base: str, email: str, name: str, role: str) -> str:
    _post(f"{base}/auth/register", email=email, password=PASSWORD, full_name=name, role=role)
    return str(_post(f"{base}/auth/login", email=email, password=PASSWORD)["access_token"])


def test_a_server_that_rendered_certificates_with_borb_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        "LMS_SECRET_KEY": TEST_SECRET,
        "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LMS_OUTBOX_POLL_SECONDS": "0.3",
        "LMS_STORAGE_URL": f"file://{tmp_path / 'storage'}",
        "LMS_CERTIFICATE_RENDERER": "borb",
        "LMS_MAIL_DIR": str(tmp_path / "mail"),
        "LMS_PASSWORD_HASHING": "fast",
    }
    assert start(["db", "upgrade"], env, tmp_path).wait(timeout=60) == 0
    server = start(["serve", "--port", str(port)], env, tmp_path)
    try:
        wait_healthy(server, port)
        base = f"http://127.0.0.1:{port}/api/v1"
        teacher = _signed_up(base, "teacher@example.com", "Charles Babbage", "instructor")
        course = _post(f"{base}/courses", teacher, title="Analytical Engines")
        lesson = _post(
            f"{base}/courses/{course['id']}/lessons", teacher, title="Notes", lesson_type="text", content="Note G."
        )
        _post(f"{base}/courses/{course['id']}/publish", teacher)
        learners = [("ada@example.com", "Ada Lovelace"), ("mohamed@example.com", "محمد عبد الله")]
        tokens, enrollments = [], []
        for email, name in learners:
            token = _signed_up(base, email, name, "student")
            enrollment = _post(f"{base}/enrollments", token, course_id=course["id"])
            _post(f"{base}/enrollments/{enrollment['id']}/lessons/{lesson['id']}/complete", token)
            tokens.append(token)
            enrollments.append(enrollment)

        # Issued by the outbox worker on completion, or on the instructor's request: one each, whichever first.
        generated = httpx.post(
            f"{base}/certificates/enrollments/{enrollments[1]['id']}/generate",
            headers={"Authorization": f"Bearer {teacher}"},
            timeout=30,
        )
        assert generated.status_code in (200, 201), generated.text
        certificates = []
        for token in tokens:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                page = httpx.get(
                    f"{base}/certificates/my-certificates", headers={"Authorization": f"Bearer {token}"}, timeout=10
                ).json()
                if page["total"]:
                    break
                time.sleep(0.2)
            assert page["total"] == 1
            certificates.append(page["items"][0])

        pdf = httpx.get(
            f"{base}/certificates/{certificates[0]['id']}/download",
            headers={"Authorization": f"Bearer {tokens[0]}"},
            timeout=10,
        )
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert "Ada Lovelace" in pdf_text(pdf.content)
        verified = httpx.get(certificates[1]["verification_url"], timeout=10).json()
        assert verified["valid"] and verified["student_name"] == "محمد عبد الله"
    finally:
        code, output = stop(server)
    assert code == 0, output
    assert "Traceback" not in output
    assert "borb" not in output.lower()  # no licence notice, no usage-statistics chatter
