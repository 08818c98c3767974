"""Spec section 3 over HTTP, with the authorization matrix for every course and lesson endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient

from lms_core import Lms
from lms_core.courses.commands import CreateCourse
from lms_core.enrollments.commands import EnrollInCourse
from tests.http.helpers import assert_problem, bearer
from tests.support.catalogue import instructor, published_course, student, text_lesson
from tests.support.flows import create_admin, login_tokens

ROLES = ["anonymous", "student", "enrolled", "other_instructor", "owner", "admin"]


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    course_id: str
    draft_id: str
    lesson_id: str
    preview_id: str


@pytest.fixture
async def world(lms: Lms) -> World:
    owner = await instructor(lms, "owner@example.com")
    await instructor(lms, "other@example.com")
    await student(lms, "student@example.com")
    enrolled = await student(lms, "enrolled@example.com")
    await create_admin(lms, "admin@example.com")
    course = await published_course(lms, owner, "Matrix", lessons=1)
    preview = await text_lesson(lms, owner, course, "Preview", is_preview=True)
    locked = next(lesson for lesson in await lms.courses.list_lessons(owner, course.id) if not lesson.is_preview)
    draft = await lms.courses.create_course(owner, CreateCourse(title="Draft"))
    await lms.enrollments.enroll(enrolled, EnrollInCourse(course_id=course.id))
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, email in [
        ("student", "student@example.com"),
        ("enrolled", "enrolled@example.com"),
        ("other_instructor", "other@example.com"),
        ("owner", "owner@example.com"),
        ("admin", "admin@example.com"),
    ]:
        access, _ = await login_tokens(lms, email)
        headers[role] = bearer(access)
    return World(headers, str(course.id), str(draft.id), str(locked.id), str(preview.id))


def expect(response: Any, status: int) -> None:
    if status >= 400:
        assert_problem(response, status)
    else:
        assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("student", 403),
        ("enrolled", 403),
        ("other_instructor", 201),
        ("owner", 201),
        ("admin", 201),
    ],
)
async def test_create_course_matrix(client: AsyncClient, world: World, role: str, status: int) -> None:
    response = await client.post("/api/v1/courses", json={"title": f"By {role}"}, headers=world.headers[role])
    expect(response, status)


@pytest.mark.parametrize(
    ("role", "published", "draft"),
    [
        ("anonymous", 200, 404),
        ("student", 200, 404),
        ("enrolled", 200, 404),
        ("other_instructor", 200, 404),
        ("owner", 200, 200),
        ("admin", 200, 200),
    ],
)
async def test_read_course_matrix(client: AsyncClient, world: World, role: str, published: int, draft: int) -> None:
    expect(await client.get(f"/api/v1/courses/{world.course_id}", headers=world.headers[role]), published)
    expect(await client.get(f"/api/v1/courses/{world.draft_id}", headers=world.headers[role]), draft)
    expect(await client.get(f"/api/v1/courses/{world.draft_id}/lessons", headers=world.headers[role]), draft)
    listing = await client.get("/api/v1/courses", headers=world.headers[role])
    assert listing.status_code == 200
    assert [c["title"] for c in listing.json()["items"]] == ["Matrix"]


MANAGE = [
    ("anonymous", 401),
    ("student", 403),
    ("enrolled", 403),
    ("other_instructor", 403),
    ("owner", 200),
    ("admin", 200),
]


@pytest.mark.parametrize(("role", "status"), MANAGE)
async def test_update_and_publish_matrix(client: AsyncClient, world: World, role: str, status: int) -> None:
    expect(
        await client.patch(f"/api/v1/courses/{world.course_id}", json={"category": "x"}, headers=world.headers[role]),
        status,
    )
    expect(await client.post(f"/api/v1/courses/{world.course_id}/publish", headers=world.headers[role]), status)


@pytest.mark.parametrize(("role", "status"), MANAGE)
async def test_lesson_management_matrix(client: AsyncClient, world: World, role: str, status: int) -> None:
    created = await client.post(
        f"/api/v1/courses/{world.course_id}/lessons",
        json={"title": "Extra", "lesson_type": "text", "content": "More"},
        headers=world.headers[role],
    )
    expect(created, 201 if status == 200 else status)
    updated = await client.patch(
        f"/api/v1/lessons/{world.preview_id}", json={"title": "Renamed"}, headers=world.headers[role]
    )
    expect(updated, status)
    deleted = await client.delete(f"/api/v1/lessons/{world.preview_id}", headers=world.headers[role])
    expect(deleted, 204 if status == 200 else status)


@pytest.mark.parametrize(
    ("role", "sees_content"),
    [
        ("anonymous", False),
        ("student", False),
        ("enrolled", True),
        ("other_instructor", False),
        ("owner", True),
        ("admin", True),
    ],
)
async def test_lesson_content_matrix(client: AsyncClient, world: World, role: str, sees_content: bool) -> None:
    lesson = await client.get(f"/api/v1/lessons/{world.lesson_id}", headers=world.headers[role])
    assert lesson.status_code == 200
    assert (lesson.json()["content"] is not None) is sees_content
    assert lesson.json()["content_locked"] is not sees_content
    preview = await client.get(f"/api/v1/lessons/{world.preview_id}", headers=world.headers[role])
    assert preview.json()["content"] is not None
    outline = await client.get(f"/api/v1/courses/{world.course_id}/lessons", headers=world.headers[role])
    assert {item["id"]: item["content"] is not None for item in outline.json()}[world.lesson_id] is sees_content


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("student", 403),
        ("enrolled", 403),
        ("other_instructor", 403),
        ("owner", 204),
        ("admin", 204),
    ],
)
async def test_delete_course_matrix(client: AsyncClient, world: World, role: str, status: int) -> None:
    expect(await client.delete(f"/api/v1/courses/{world.draft_id}", headers=world.headers[role]), 404 if role in (
        "student", "enrolled", "other_instructor") else status)  # fmt: skip
    # The published course has an enrolment: even its owner cannot delete it.
    if role in ("owner", "admin"):
        assert_problem(
            await client.delete(f"/api/v1/courses/{world.course_id}", headers=world.headers[role]),
            409,
            "courses.has_enrollments",
        )


async def test_validation_errors_are_problems(client: AsyncClient, world: World) -> None:
    owner = world.headers["owner"]
    assert_problem(await client.post("/api/v1/courses", json={"title": ""}, headers=owner), 422)
    assert_problem(
        await client.post("/api/v1/courses", json={"title": "X", "difficulty_level": "expert"}, headers=owner), 422
    )
    assert_problem(await client.post("/api/v1/courses", json={"title": "X", "price": -1}, headers=owner), 422)
    assert_problem(
        await client.post(f"/api/v1/courses/{world.course_id}/lessons", json={"title": "V", "lesson_type": "video"},
                          headers=owner),
        422,
        "lessons.invalid",
    )  # fmt: skip
    assert_problem(await client.get("/api/v1/courses", params={"difficulty_level": "expert"}), 422)
    assert_problem(await client.get("/api/v1/courses", params={"sort": "random"}), 422)
    assert_problem(await client.get("/api/v1/courses/01890000-0000-7000-8000-000000000000"), 404, "courses.not_found")
    assert_problem(await client.get("/api/v1/lessons/01890000-0000-7000-8000-000000000000"), 404, "lessons.not_found")
    empty = await client.post("/api/v1/courses", json={"title": "Empty"}, headers=owner)
    assert_problem(await client.post(f"/api/v1/courses/{empty.json()['id']}/publish", headers=owner), 409,
                   "courses.no_lessons")  # fmt: skip


async def test_catalogue_filters_over_http(client: AsyncClient, world: World) -> None:
    owner = world.headers["owner"]
    paid = await client.post(
        "/api/v1/courses",
        json={"title": "Paid", "price": "250.00", "currency": "EGP", "category": "biz"},
        headers=owner,
    )
    assert paid.status_code == 201
    assert paid.json()["price"] == "250.00"
    await client.post(
        f"/api/v1/courses/{paid.json()['id']}/lessons",
        json={"title": "One", "lesson_type": "text", "content": "x"},
        headers=owner,
    )
    assert (await client.post(f"/api/v1/courses/{paid.json()['id']}/publish", headers=owner)).status_code == 200
    page = (await client.get("/api/v1/courses", params={"is_free": "false"})).json()
    assert [c["title"] for c in page["items"]] == ["Paid"]
    assert set(page) == {"items", "total", "page", "page_size"}
    by_category = (await client.get("/api/v1/courses", params={"category": "biz", "sort": "title"})).json()
    assert by_category["total"] == 1


async def test_a_demoted_owner_is_refused_and_an_admin_hands_the_course_over(
    client: AsyncClient, world: World, lms: Lms
) -> None:
    owner_id = (await client.get("/api/v1/users/me", headers=world.headers["owner"])).json()["id"]
    other_id = (await client.get("/api/v1/users/me", headers=world.headers["other_instructor"])).json()["id"]
    demoted = await client.patch(f"/api/v1/users/{owner_id}", json={"role": "student"}, headers=world.headers["admin"])
    assert demoted.status_code == 200, demoted.text
    assert demoted.json()["role"] == "student"
    # The token issued while an instructor carries the old role and is refused outright.
    stale = await client.patch(
        f"/api/v1/courses/{world.course_id}", json={"title": "Mine"}, headers=world.headers["owner"]
    )
    assert_problem(stale, 401, "auth.invalid_token")
    access, _ = await login_tokens(lms, "owner@example.com")
    as_student = bearer(access)
    refused = await client.patch(f"/api/v1/courses/{world.course_id}", json={"title": "Mine"}, headers=as_student)
    assert_problem(refused, 403, "courses.not_manager")
    assert_problem(await client.post(f"/api/v1/courses/{world.course_id}/publish", headers=as_student), 403)
    assert_problem(await client.get(f"/api/v1/courses/{world.draft_id}", headers=as_student), 404, "courses.not_found")

    taken = await client.patch(
        f"/api/v1/courses/{world.course_id}",
        json={"instructor_id": other_id},
        headers=world.headers["other_instructor"],
    )
    assert_problem(taken, 403, "courses.not_manager")
    handed = await client.patch(
        f"/api/v1/courses/{world.course_id}", json={"instructor_id": other_id}, headers=world.headers["admin"]
    )
    assert handed.status_code == 200, handed.text
    assert handed.json()["instructor_id"] == other_id
    assert handed.json()["instructor"]["full_name"] == "Teacher other"
    renamed = await client.patch(
        f"/api/v1/courses/{world.course_id}", json={"title": "Matrix II"}, headers=world.headers["other_instructor"]
    )
    assert renamed.status_code == 200, renamed.text
    catalogue = (await client.get("/api/v1/courses")).json()["items"]
    (listed,) = [item for item in catalogue if item["id"] == world.course_id]
    assert listed["title"] == "Matrix II"
    assert listed["instructor"] == {"id": other_id, "full_name": "Teacher other"}
