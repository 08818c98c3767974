"""Spec section 3 over HTTP, with the authorization matrix for every course and lesson endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest
from httpx import AsyncClient

from lms_core import Actor, Lms
from lms_core.courses.commands import CreateCourse, ListCourses
from lms_core.courses.entities import CourseStatus
from lms_core.courses.errors import CourseNotFound
from lms_core.enrollments.commands import EnrollInCourse
from tests.http.helpers import assert_problem, bearer, expect
from tests.support.catalogue import published_course, text_lesson
from tests.support.flows import login_tokens
from tests.support.roles import MATRIX_EMAILS, matrix_cast, signed_in_headers

UNKNOWN_ID = "01890000-0000-7000-8000-000000000000"
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
    cast = await matrix_cast(lms)
    owner, enrolled = cast.owner, cast.enrolled
    course = await published_course(lms, owner, "Matrix", lessons=1)
    preview = await text_lesson(lms, owner, course, "Preview", is_preview=True)
    locked = next(lesson for lesson in await lms.courses.list_lessons(owner, course.id) if not lesson.is_preview)
    draft = await lms.courses.create_course(owner, CreateCourse(title="Draft"))
    await lms.enrollments.enroll(enrolled, EnrollInCourse(course_id=course.id))
    headers = await signed_in_headers(lms, MATRIX_EMAILS)
    return World(headers, str(course.id), str(draft.id), str(locked.id), str(preview.id))


REFUSED = {401: "auth.not_authenticated", 403: "courses.not_manager", 404: "courses.not_found"}


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("anonymous", 401, "auth.not_authenticated"),
        ("student", 403, "courses.instructor_required"),
        ("enrolled", 403, "courses.instructor_required"),
        ("other_instructor", 201, None),
        ("owner", 201, None),
        ("admin", 201, None),
    ],
)
async def test_create_course_matrix(
    client: AsyncClient, world: World, lms: Lms, role: str, status: int, code: str | None
) -> None:
    response = await client.post("/api/v1/courses", json={"title": f"By {role}"}, headers=world.headers[role])
    body = expect(response, status, code)
    drafts = await lms.courses.list_courses(Actor.system(), ListCourses(status=CourseStatus.DRAFT))
    titles = {c.title for c in drafts.items}
    if status == 201:
        assert (body["title"], body["status"], body["lesson_count"]) == (f"By {role}", "draft", 0)
        stored = await lms.courses.get_course(Actor.system(), UUID(body["id"]))
        assert (stored.title, stored.instructor_id) == (f"By {role}", UUID(body["instructor_id"]))
        assert titles == {"Draft", f"By {role}"}
    else:
        assert titles == {"Draft"}


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
    course = expect(await client.get(f"/api/v1/courses/{world.course_id}", headers=world.headers[role]), published)
    assert (course["id"], course["title"], course["lesson_count"]) == (world.course_id, "Matrix", 2)
    draft_course = expect(
        await client.get(f"/api/v1/courses/{world.draft_id}", headers=world.headers[role]), draft, REFUSED.get(draft)
    )
    draft_lessons = expect(
        await client.get(f"/api/v1/courses/{world.draft_id}/lessons", headers=world.headers[role]),
        draft,
        REFUSED.get(draft),
    )
    if draft == 200:
        assert (draft_course["id"], draft_course["status"]) == (world.draft_id, "draft")
        assert draft_lessons == []
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
async def test_update_and_publish_matrix(client: AsyncClient, world: World, lms: Lms, role: str, status: int) -> None:
    updated = expect(
        await client.patch(f"/api/v1/courses/{world.course_id}", json={"category": "x"}, headers=world.headers[role]),
        status,
        REFUSED.get(status),
    )
    published = expect(
        await client.post(f"/api/v1/courses/{world.course_id}/publish", headers=world.headers[role]),
        status,
        REFUSED.get(status),
    )
    stored = await lms.courses.get_course(Actor.system(), UUID(world.course_id))
    if status == 200:
        assert (updated["id"], updated["category"]) == (world.course_id, "x")
        assert (published["id"], published["status"]) == (world.course_id, "published")
        assert stored.category == "x"
    else:
        assert stored.category != "x"


@pytest.mark.parametrize(("role", "status"), MANAGE)
async def test_lesson_management_matrix(client: AsyncClient, world: World, lms: Lms, role: str, status: int) -> None:
    created = await client.post(
        f"/api/v1/courses/{world.course_id}/lessons",
        json={"title": "Extra", "lesson_type": "text", "content": "More"},
        headers=world.headers[role],
    )
    created_body = expect(created, 201 if status == 200 else status, REFUSED.get(status))
    updated = await client.patch(
        f"/api/v1/lessons/{world.lesson_id}", json={"title": "Renamed"}, headers=world.headers[role]
    )
    updated_body = expect(updated, status, REFUSED.get(status))
    deleted = await client.delete(f"/api/v1/lessons/{world.preview_id}", headers=world.headers[role])
    expect(deleted, 204 if status == 200 else status, REFUSED.get(status))
    stored = {
        str(lesson.id): lesson.title for lesson in await lms.courses.list_lessons(Actor.system(), UUID(world.course_id))
    }
    if status == 200:
        assert (created_body["title"], created_body["course_id"]) == ("Extra", world.course_id)
        assert (updated_body["id"], updated_body["title"]) == (world.lesson_id, "Renamed")
        assert stored == {world.lesson_id: "Renamed", created_body["id"]: "Extra"}
    else:
        assert world.preview_id in stored
        assert sorted(stored.values()) == sorted(["Preview", stored[world.lesson_id]])
        assert stored[world.lesson_id] != "Renamed"


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
    ("role", "status", "code"),
    [
        ("anonymous", 401, "auth.not_authenticated"),
        ("student", 404, "courses.not_found"),
        ("enrolled", 404, "courses.not_found"),
        ("other_instructor", 404, "courses.not_found"),
        ("owner", 204, None),
        ("admin", 204, None),
    ],
)
async def test_delete_course_matrix(
    client: AsyncClient, world: World, lms: Lms, role: str, status: int, code: str | None
) -> None:
    # A draft is invisible to all but its managers: a refusal says it does not exist.
    expect(await client.delete(f"/api/v1/courses/{world.draft_id}", headers=world.headers[role]), status, code)
    if status == 204:
        with pytest.raises(CourseNotFound):
            await lms.courses.get_course(Actor.system(), UUID(world.draft_id))
    else:
        assert (await lms.courses.get_course(Actor.system(), UUID(world.draft_id))).title == "Draft"
    # The published course has an enrolment: even its owner cannot delete it.
    if role in ("owner", "admin"):
        assert_problem(
            await client.delete(f"/api/v1/courses/{world.course_id}", headers=world.headers[role]),
            409,
            "courses.has_enrollments",
        )
        assert (await lms.courses.get_course(Actor.system(), UUID(world.course_id))).title == "Matrix"


async def test_validation_errors_are_problems(client: AsyncClient, world: World) -> None:
    owner = world.headers["owner"]
    assert_problem(
        await client.post("/api/v1/courses", json={"title": ""}, headers=owner), 422, "request.validation_failed"
    )
    assert_problem(
        await client.post("/api/v1/courses", json={"title": "X", "difficulty_level": "expert"}, headers=owner),
        422,
        "request.validation_failed",
    )
    assert_problem(
        await client.post("/api/v1/courses", json={"title": "X", "price": -1}, headers=owner),
        422,
        "courses.invalid_price",
    )
    assert_problem(
        await client.post(f"/api/v1/courses/{world.course_id}/lessons", json={"title": "V", "lesson_type": "video"},
                          headers=owner),
        422,
        "lessons.invalid",
    )  # fmt: skip
    assert_problem(
        await client.get("/api/v1/courses", params={"difficulty_level": "expert"}), 422, "request.validation_failed"
    )
    assert_problem(await client.get("/api/v1/courses", params={"sort": "random"}), 422, "request.validation_failed")
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
    free = await client.post("/api/v1/courses", json={"title": "Free", "price": "0"}, headers=owner)
    # One written form per price, whether the course was just created or read back from the database.
    assert free.json()["price"] == "0.00"
    assert (await client.get(f"/api/v1/courses/{free.json()['id']}", headers=owner)).json()["price"] == "0.00"
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
    assert_problem(
        await client.post(f"/api/v1/courses/{world.course_id}/publish", headers=as_student), 403, "courses.not_manager"
    )
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


# -- reordering lessons ---------------------------------------------------------------------------------


async def stored_order(lms: Lms, course_id: str) -> list[str]:
    lessons = await lms.courses.list_lessons(Actor.system(), UUID(course_id))
    return [str(lesson.id) for lesson in sorted(lessons, key=lambda lesson: lesson.order_index)]


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_a_manager_reorders_lessons(client: AsyncClient, world: World, lms: Lms, role: str) -> None:
    assert await stored_order(lms, world.course_id) == [world.lesson_id, world.preview_id]
    response = await client.post(
        f"/api/v1/courses/{world.course_id}/lessons/reorder",
        json={"lesson_ids": [world.preview_id, world.lesson_id]},
        headers=world.headers[role],
    )
    body = expect(response, 200)
    assert [(lesson["id"], lesson["order_index"]) for lesson in body] == [(world.preview_id, 0), (world.lesson_id, 1)]
    assert await stored_order(lms, world.course_id) == [world.preview_id, world.lesson_id]
    outline = await client.get(f"/api/v1/courses/{world.course_id}/lessons", headers=world.headers["enrolled"])
    assert [lesson["id"] for lesson in outline.json()] == [world.preview_id, world.lesson_id]


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("anonymous", 401, "auth.not_authenticated"),
        ("student", 403, "courses.not_manager"),
        ("enrolled", 403, "courses.not_manager"),
        ("other_instructor", 403, "courses.not_manager"),
    ],
)
async def test_reordering_lessons_is_refused_to_non_managers(
    client: AsyncClient, world: World, lms: Lms, role: str, status: int, code: str
) -> None:
    response = await client.post(
        f"/api/v1/courses/{world.course_id}/lessons/reorder",
        json={"lesson_ids": [world.preview_id, world.lesson_id]},
        headers=world.headers[role],
    )
    expect(response, status, code)
    assert await stored_order(lms, world.course_id) == [world.lesson_id, world.preview_id]


async def test_invalid_lesson_orders_are_refused(client: AsyncClient, world: World, lms: Lms) -> None:
    url = f"/api/v1/courses/{world.course_id}/lessons/reorder"
    owner = world.headers["owner"]
    other_course_lesson = await client.post(
        f"/api/v1/courses/{world.draft_id}/lessons",
        json={"title": "Elsewhere", "lesson_type": "text", "content": "x"},
        headers=owner,
    )
    elsewhere = expect(other_course_lesson, 201)["id"]
    invalid = [
        ([world.lesson_id], "lessons.invalid_reorder"),  # one left out
        ([world.lesson_id, world.lesson_id], "lessons.invalid_reorder"),  # one twice, one left out
        ([world.lesson_id, world.preview_id, world.preview_id], "lessons.invalid_reorder"),  # one twice
        ([world.lesson_id, elsewhere], "lessons.invalid_reorder"),  # a lesson of another course
        ([world.lesson_id, world.preview_id, UNKNOWN_ID], "lessons.invalid_reorder"),  # no such lesson
        ([], "request.validation_failed"),
        (["not-a-uuid", world.preview_id], "request.validation_failed"),
    ]
    for lesson_ids, code in invalid:
        expect(await client.post(url, json={"lesson_ids": lesson_ids}, headers=owner), 422, code)
    expect(await client.post(url, json={}, headers=owner), 422, "request.validation_failed")
    unknown = f"/api/v1/courses/{UNKNOWN_ID}/lessons/reorder"
    expect(await client.post(unknown, json={"lesson_ids": [world.lesson_id]}, headers=owner), 404, "courses.not_found")
    assert await stored_order(lms, world.course_id) == [world.lesson_id, world.preview_id]
