"""Spec section 6 over HTTP: every certificate endpoint, its problems, and the authorization matrix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from httpx import AsyncClient

from lms_core import Actor, Lms
from lms_core.enrollments.commands import EnrollInCourse
from tests.http.helpers import assert_problem
from tests.support.catalogue import instructor, student
from tests.support.certificates import completed, pdf_text, settings, storage_dir, stored_pdfs
from tests.support.flows import create_admin
from tests.support.learning import classroom
from tests.support.roles import signed_in_headers

__all__ = ["settings", "storage_dir"]

UNKNOWN = "01890000-0000-7000-8000-000000000000"
BASE = "/api/v1/certificates"
ROLES = ["anonymous", "owner_student", "other_student", "other_instructor", "course_instructor", "admin"]


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    enrollment_id: str
    active_enrollment_id: str


@pytest.fixture
async def world(lms: Lms) -> World:
    owner = await instructor(lms, "owner@example.com")
    await instructor(lms, "other@example.com")
    await student(lms, "student@example.com")
    await create_admin(lms, "admin@example.com")
    room = await classroom(lms, owner, title="Analytical Engines", required=1)
    done = await completed(lms, name="Ada Lovelace", email="ada@example.com", room=room)
    busy = await student(lms, "busy@example.com")
    active = await lms.enrollments.enroll(busy, EnrollInCourse(course_id=room.course.id))
    headers = await signed_in_headers(
        lms,
        {
            "owner_student": "ada@example.com",
            "other_student": "student@example.com",
            "other_instructor": "other@example.com",
            "course_instructor": "owner@example.com",
            "admin": "admin@example.com",
        },
    )
    return World(headers=headers, enrollment_id=str(done.enrollment.id), active_enrollment_id=str(active.id))


async def test_generate_matrix_and_idempotence(client: AsyncClient, world: World, storage_dir: Path) -> None:
    url = f"{BASE}/enrollments/{world.enrollment_id}/generate"
    expected = {
        "anonymous": 401,
        "owner_student": 403,
        "other_student": 404,
        "other_instructor": 404,
        "course_instructor": 201,
        "admin": 200,  # already issued: the same certificate again
    }
    bodies = {}
    for role in ROLES:
        response = await client.post(url, headers=world.headers[role])
        if expected[role] >= 400:
            refusals = {401: "auth.not_authenticated", 403: "certificates.not_allowed", 404: "enrollments.not_found"}
            assert_problem(response, expected[role], refusals[expected[role]])
        else:
            assert response.status_code == expected[role], (role, response.text)
            bodies[role] = response.json()
    assert bodies["course_instructor"] == bodies["admin"]
    assert bodies["admin"]["student_name"] == "Ada Lovelace"
    assert "pdf_path" not in bodies["admin"]
    assert len(stored_pdfs(storage_dir)) == 1
    not_completed = await client.post(
        f"{BASE}/enrollments/{world.active_enrollment_id}/generate", headers=world.headers["admin"]
    )
    assert_problem(not_completed, 409, "certificates.enrollment_not_completed")
    unknown = await client.post(f"{BASE}/enrollments/{UNKNOWN}/generate", headers=world.headers["admin"])
    assert_problem(unknown, 404, "enrollments.not_found")


async def issue(client: AsyncClient, world: World) -> dict[str, str]:
    response = await client.post(
        f"{BASE}/enrollments/{world.enrollment_id}/generate", headers=world.headers["course_instructor"]
    )
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


async def test_download_and_listing_matrix(client: AsyncClient, world: World) -> None:
    certificate = await issue(client, world)
    url = f"{BASE}/{certificate['id']}/download"
    expected = {
        "anonymous": 401,
        "owner_student": 200,
        "other_student": 404,
        "other_instructor": 404,
        "course_instructor": 200,
        "admin": 200,
    }
    for role in ROLES:
        response = await client.get(url, headers=world.headers[role])
        if expected[role] != 200:
            refusals = {401: "auth.not_authenticated", 404: "certificates.not_found"}
            assert_problem(response, expected[role], refusals[expected[role]])
            continue
        assert response.status_code == 200, (role, response.text)
        assert response.headers["content-type"] == "application/pdf"
        assert f'filename="{certificate["certificate_number"]}.pdf"' in response.headers["content-disposition"]
        assert "Ada Lovelace" in pdf_text(response.content)
    assert_problem(
        await client.get(f"{BASE}/{UNKNOWN}/download", headers=world.headers["admin"]), 404, "certificates.not_found"
    )

    assert_problem(await client.get(f"{BASE}/my-certificates"), 401, "auth.not_authenticated")
    mine = await client.get(f"{BASE}/my-certificates", headers=world.headers["owner_student"])
    assert mine.status_code == 200
    assert mine.json()["total"] == 1 and mine.json()["items"][0]["id"] == certificate["id"]
    assert {"items", "total", "page", "page_size"} == set(mine.json())
    others = await client.get(f"{BASE}/my-certificates?page_size=5", headers=world.headers["other_student"])
    assert others.json() == {"items": [], "total": 0, "page": 1, "page_size": 5}
    assert_problem(
        await client.get(f"{BASE}/my-certificates?page_size=500", headers=world.headers["admin"]),
        422,
        "request.validation_failed",
    )


async def test_verification_is_public_and_revocation_shows_in_it(client: AsyncClient, world: World) -> None:
    certificate = await issue(client, world)
    number = certificate["certificate_number"]
    verified = await client.get(f"{BASE}/verify/{number}")
    assert verified.status_code == 200
    body = verified.json()
    assert set(body) == {
        "certificate_number", "valid", "is_revoked", "revoked_at", "student_name", "course_title",
        "completion_date", "issued_at",
    }  # fmt: skip
    assert (body["valid"], body["is_revoked"], body["student_name"]) == (True, False, "Ada Lovelace")
    assert_problem(await client.get(f"{BASE}/verify/CERT-20260101-FFFFFFFF"), 404, "certificates.not_found")
    assert_problem(await client.get(f"{BASE}/verify/whatever"), 404, "certificates.not_found")

    url = f"{BASE}/{certificate['id']}/revoke"
    reason = {"reason": "issued by mistake"}
    expected = {"anonymous": 401, "owner_student": 403, "other_student": 404, "other_instructor": 404}
    refusals = {401: "auth.not_authenticated", 403: "certificates.not_allowed", 404: "certificates.not_found"}
    for role, status in expected.items():
        assert_problem(await client.post(url, json=reason, headers=world.headers[role]), status, refusals[status])
    assert_problem(await client.post(url, json={}, headers=world.headers["admin"]), 422, "request.validation_failed")
    assert_problem(
        await client.post(url, json={"reason": ""}, headers=world.headers["admin"]), 422, "request.validation_failed"
    )
    revoked = await client.post(url, json=reason, headers=world.headers["course_instructor"])
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["is_revoked"] and revoked.json()["revoked_reason"] == "issued by mistake"
    assert_problem(
        await client.post(url, json=reason, headers=world.headers["admin"]), 409, "certificates.already_revoked"
    )
    after = (await client.get(f"{BASE}/verify/{number}")).json()
    assert (after["valid"], after["is_revoked"]) == (False, True) and after["revoked_at"]


async def test_a_revoked_certificate_downloads_marked_revoked(client: AsyncClient, world: World) -> None:
    certificate = await issue(client, world)
    download = f"{BASE}/{certificate['id']}/download"
    before = await client.get(download, headers=world.headers["owner_student"])
    assert "REVOKED" not in pdf_text(before.content)
    revoked = await client.post(
        f"{BASE}/{certificate['id']}/revoke", json={"reason": "plagiarism"}, headers=world.headers["admin"]
    )
    assert revoked.status_code == 200, revoked.text
    day = revoked.json()["revoked_at"][:10]
    for role in ("owner_student", "course_instructor", "admin"):
        response = await client.get(download, headers=world.headers[role])
        assert response.status_code == 200, (role, response.text)
        assert response.headers["content-type"] == "application/pdf"
        text = pdf_text(response.content)
        assert f"REVOKED {day} - no longer valid" in text
        assert "Ada Lovelace" in text and certificate["certificate_number"] in text
    refusals = (
        ("anonymous", 401, "auth.not_authenticated"),
        ("other_student", 404, "certificates.not_found"),
        ("other_instructor", 404, "certificates.not_found"),
    )
    for role, status, code in refusals:
        assert_problem(await client.get(download, headers=world.headers[role]), status, code)
    verified = (await client.get(f"{BASE}/verify/{certificate['certificate_number']}")).json()
    assert (verified["valid"], verified["is_revoked"], verified["revoked_at"]) == (
        False,
        True,
        revoked.json()["revoked_at"],
    )


async def test_openapi_lists_the_certificate_routes(client: AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in (
        f"{BASE}/my-certificates",
        f"{BASE}/{{certificate_id}}/download",
        f"{BASE}/verify/{{certificate_number}}",
        f"{BASE}/{{certificate_id}}/revoke",
        f"{BASE}/enrollments/{{enrollment_id}}/generate",
    ):
        assert path in paths, path


async def test_an_admin_revokes_a_certificate(client: AsyncClient, world: World, lms: Lms) -> None:
    certificate = await issue(client, world)
    revoked = await client.post(
        f"{BASE}/{certificate['id']}/revoke", json={"reason": "fraud found"}, headers=world.headers["admin"]
    )
    assert revoked.status_code == 200, revoked.text
    body = revoked.json()
    assert (body["id"], body["is_revoked"], body["revoked_reason"]) == (certificate["id"], True, "fraud found")
    assert body["revoked_at"]
    stored = await lms.certificates.verify(Actor.system(), certificate["certificate_number"])
    assert (stored.valid, stored.is_revoked) == (False, True)
    public = (await client.get(f"{BASE}/verify/{certificate['certificate_number']}")).json()
    assert (public["valid"], public["is_revoked"]) == (False, True)
    again = await client.post(
        f"{BASE}/{certificate['id']}/revoke", json={"reason": "twice"}, headers=world.headers["course_instructor"]
    )
    assert_problem(again, 409, "certificates.already_revoked")
    assert (await lms.certificates.verify(Actor.system(), certificate["certificate_number"])).is_revoked


async def test_a_pending_certificate_shows_its_reason_until_a_manager_issues_it(
    client: AsyncClient, world: World
) -> None:
    learner, owner, admin = (world.headers[role] for role in ("owner_student", "course_instructor", "admin"))
    enrollment = (await client.get(f"/api/v1/enrollments/{world.enrollment_id}", headers=learner)).json()
    rename = f"/api/v1/users/{enrollment['student_id']}"
    assert (await client.patch(rename, json={"full_name": "अमित शर्मा"}, headers=admin)).status_code == 200
    path = f"{BASE}/enrollments/{world.enrollment_id}/status"
    generate = f"{BASE}/enrollments/{world.enrollment_id}/generate"
    refused = await client.post(generate, headers=owner)
    assert refused.status_code == 422 and refused.json()["code"] == "certificates.unrenderable_name"
    for headers in (learner, owner, admin):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert body["certificate_status"] == "pending"
        assert body["certificate_pending_code"] == "certificates.unrenderable_name"
        assert body["certificate_pending_reason"].startswith("the student name has characters no certificate font")
        assert body["certificate"] is None
    for role in ("other_student", "other_instructor"):
        hidden = await client.get(path, headers=world.headers[role])
        assert hidden.status_code == 404 and hidden.json()["code"] == "enrollments.not_found"
    assert (await client.get(path)).status_code == 401

    # The admin fixes the name; the course's instructor issues the certificate; the reason is gone.
    assert (await client.patch(rename, json={"full_name": "Amit Sharma"}, headers=admin)).status_code == 200
    issued = await client.post(generate, headers=owner)
    assert issued.status_code == 201 and issued.json()["student_name"] == "Amit Sharma"
    body = (await client.get(path, headers=learner)).json()
    assert body["certificate_status"] == "issued" and body["certificate_pending_reason"] is None
    assert body["certificate"]["certificate_number"] == issued.json()["certificate_number"]
