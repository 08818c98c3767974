"""Spec section 4 over HTTP: every enrolment endpoint, its problems, and the authorization matrix."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient

from lms_core import Actor, Lms
from lms_core.courses.commands import CreateCourse
from lms_core.enrollments.commands import EnrollInCourse, ListCourseEnrollments
from tests.http.helpers import assert_problem, run_matrix
from tests.support.catalogue import text_lesson
from tests.support.learning import classroom
from tests.support.roles import MATRIX_EMAILS, matrix_cast, signed_in_headers

UNKNOWN = "01890000-0000-7000-8000-000000000000"


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    course_id: str
    enrollment_id: str
    lesson_ids: list[str]
    other_lesson_id: str
    paid_course_id: str

    def progress(self, lesson: int = 0) -> str:
        return f"/api/v1/enrollments/{self.enrollment_id}/lessons/{self.lesson_ids[lesson]}/progress"

    def complete(self, lesson: int = 0) -> str:
        return f"/api/v1/enrollments/{self.enrollment_id}/lessons/{self.lesson_ids[lesson]}/complete"


@pytest.fixture
async def world(lms: Lms) -> World:
    cast = await matrix_cast(lms)
    owner, enrolled = cast.owner, cast.enrolled
    room = await classroom(lms, owner, title="Matrix", required=2, duration_minutes=5)
    elsewhere = await classroom(lms, owner, title="Elsewhere", required=1)
    paid = await lms.courses.create_course(owner, CreateCourse(title="Paid", price=Decimal(100)))
    await text_lesson(lms, owner, paid)
    await lms.courses.publish_course(owner, paid.id)
    enrollment = await lms.enrollments.enroll(enrolled, EnrollInCourse(course_id=room.course.id))
    headers = await signed_in_headers(lms, MATRIX_EMAILS)
    return World(
        headers=headers,
        course_id=str(room.course.id),
        enrollment_id=str(enrollment.id),
        lesson_ids=[str(i) for i in room.lesson_ids],
        other_lesson_id=str(elsewhere.lesson_ids[0]),
        paid_course_id=str(paid.id),
    )


ROLES = ["anonymous", "student", "enrolled", "other_instructor", "owner", "admin"]

# Expected status of every endpoint for every caller, in the order the calls are made (state-changing
# calls last). Readers of an enrolment: its student, the course's instructor and admins; anyone else is
# told it does not exist (404). Learner actions: the student only; other readers get 403.
MATRIX: dict[str, dict[str, int]] = {
    "GET my-courses": dict(zip(ROLES, [401, 200, 200, 200, 200, 200], strict=True)),
    "GET enrollment": dict(zip(ROLES, [401, 404, 200, 404, 200, 200], strict=True)),
    "GET course enrollments": dict(zip(ROLES, [401, 403, 403, 403, 200, 200], strict=True)),
    "GET course stats": dict(zip(ROLES, [401, 403, 403, 403, 200, 200], strict=True)),
    "PUT progress": dict(zip(ROLES, [401, 404, 200, 404, 403, 403], strict=True)),
    "POST complete": dict(zip(ROLES, [401, 404, 200, 404, 403, 403], strict=True)),
    "POST review": dict(zip(ROLES, [401, 404, 200, 404, 403, 403], strict=True)),
    "POST drop": dict(zip(ROLES, [401, 404, 200, 404, 403, 200], strict=True)),
    "POST enroll": dict(zip(ROLES, [401, 201, 201, 403, 403, 403], strict=True)),  # the dropped student returns
}


def call(client: AsyncClient, world: World, endpoint: str, headers: dict[str, str]) -> Any:
    base = "/api/v1/enrollments"
    requests = {
        "GET my-courses": lambda: client.get(f"{base}/my-courses", headers=headers),
        "GET enrollment": lambda: client.get(f"{base}/{world.enrollment_id}", headers=headers),
        "GET course enrollments": lambda: client.get(f"{base}/courses/{world.course_id}", headers=headers),
        "GET course stats": lambda: client.get(f"{base}/courses/{world.course_id}/stats", headers=headers),
        "PUT progress": lambda: client.put(
            world.progress(),
            json={"time_spent_seconds": 30, "last_position_seconds": 30, "completion_percentage": 25},
            headers=headers,
        ),
        "POST complete": lambda: client.post(world.complete(), headers=headers),
        "POST review": lambda: client.post(f"{base}/{world.enrollment_id}/review", json={"rating": 5}, headers=headers),
        "POST drop": lambda: client.post(f"{base}/{world.enrollment_id}/drop", headers=headers),
        "POST enroll": lambda: client.post(base, json={"course_id": world.course_id}, headers=headers),
    }
    return requests[endpoint]()


# The problem code of each refusal: 401 and 404 say the same thing everywhere; a 403 says which rule refused.
REFUSAL_CODES: dict[str, dict[int, str]] = {
    endpoint: {
        401: "auth.not_authenticated",
        404: "enrollments.not_found",
        403: "courses.not_manager"
        if endpoint.startswith("GET course")
        else "enrollments.students_only"
        if endpoint == "POST enroll"
        else "enrollments.not_owner",
    }
    for endpoint in MATRIX
}


def check_success(world: World, endpoint: str, role: str, body: Any) -> None:
    """What a 2xx answer of each endpoint must say (a status alone would pass an empty or wrong body)."""
    if endpoint == "GET my-courses":
        assert [e["course_id"] for e in body["items"]] == ([world.course_id] if role == "enrolled" else [])
    elif endpoint == "GET enrollment":
        assert (body["id"], body["course_id"]) == (world.enrollment_id, world.course_id)
    elif endpoint == "GET course enrollments":
        assert [(e["id"], e["student"]["email"]) for e in body["items"]] == [
            (world.enrollment_id, "enrolled@example.com")
        ]
    elif endpoint == "GET course stats":
        assert (body["course_id"], body["total_enrollments"], body["active_count"]) == (world.course_id, 1, 1)
    elif endpoint == "PUT progress":
        assert body["lesson_progress"]["lesson_id"] == world.lesson_ids[0]
        assert body["lesson_progress"]["completion_percentage"] == "25.00"
    elif endpoint == "POST complete":
        assert body["lesson_progress"]["status"] == "completed"
        assert body["enrollment"]["completed_lessons_count"] == 1
    elif endpoint == "POST review":
        assert (body["id"], body["rating"]) == (world.enrollment_id, 5)
    elif endpoint == "POST drop":
        assert (body["id"], body["status"]) == (world.enrollment_id, "dropped")
    else:
        assert body["course_id"] == world.course_id
        assert body["status"] == "active"


@pytest.mark.parametrize("role", ROLES)
async def test_authorization_matrix(client: AsyncClient, world: World, role: str, lms: Lms) -> None:
    await run_matrix(
        role,
        MATRIX,
        REFUSAL_CODES,
        lambda endpoint: call(client, world, endpoint, world.headers[role]),
        lambda endpoint, body: check_success(world, endpoint, role, body),
    )
    # What the successes stored: the enrolled student's progress and review (kept through their drop and
    # return), the admin's drop, and a new enrolment for the student who enrolled.
    stored = await lms.enrollments.get_enrollment(Actor.system(), UUID(world.enrollment_id))
    assert stored.status == ("dropped" if role == "admin" else "active")
    assert stored.rating == (5 if role == "enrolled" else None)
    assert stored.completed_lessons_count == (1 if role == "enrolled" else 0)
    completed = [str(p.lesson_id) for p in stored.lesson_progress if p.status == "completed"]
    assert completed == ([world.lesson_ids[0]] if role == "enrolled" else [])
    enrolments = await lms.enrollments.course_enrollments(
        Actor.system(), UUID(world.course_id), ListCourseEnrollments()
    )
    expected_students = ["enrolled@example.com", *(["student@example.com"] if role == "student" else [])]
    assert sorted(e.student.email for e in enrolments.items) == expected_students


async def test_an_enrolled_student_cannot_enrol_again(client: AsyncClient, world: World) -> None:
    response = await client.post(
        "/api/v1/enrollments", json={"course_id": world.course_id}, headers=world.headers["enrolled"]
    )
    assert_problem(response, 409, "enrollment.already_enrolled")


@pytest.mark.parametrize(("role", "count"), [("student", 0), ("enrolled", 1), ("owner", 0), ("admin", 0)])
async def test_my_courses_lists_only_my_enrolments(client: AsyncClient, world: World, role: str, count: int) -> None:
    page = (await client.get("/api/v1/enrollments/my-courses", headers=world.headers[role])).json()
    assert set(page) == {"items", "total", "page", "page_size"}
    assert page["total"] == count


async def test_a_learners_journey(client: AsyncClient, world: World) -> None:
    learner = world.headers["enrolled"]
    first = await client.put(
        world.progress(0),
        json={"time_spent_seconds": 90, "last_position_seconds": 80, "completion_percentage": "62.5"},
        headers=learner,
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["lesson_progress"]["status"] == "in_progress"
    assert body["lesson_progress"]["completion_percentage"] == "62.50"
    assert body["enrollment"]["progress_percentage"] == "0.00"
    assert body["enrollment"]["total_time_spent_seconds"] == 90
    done = await client.post(world.complete(0), headers=learner)
    assert done.json()["enrollment"]["progress_percentage"] == "50.00"
    final = await client.post(world.complete(1), headers=learner)
    assert final.json()["enrollment"]["status"] == "completed"
    assert final.json()["enrollment"]["progress_percentage"] == "100.00"
    review = await client.post(
        f"/api/v1/enrollments/{world.enrollment_id}/review", json={"rating": 4, "review": "Solid"}, headers=learner
    )
    assert review.status_code == 200 and review.json()["rating"] == 4
    detail = (await client.get(f"/api/v1/enrollments/{world.enrollment_id}", headers=learner)).json()
    assert {p["lesson_id"] for p in detail["lesson_progress"]} == set(world.lesson_ids)
    assert detail["course"] == {"id": world.course_id, "title": "Matrix", "slug": "matrix"}
    mine = (await client.get("/api/v1/enrollments/my-courses", params={"status": "completed"}, headers=learner)).json()
    assert [e["id"] for e in mine["items"]] == [world.enrollment_id]

    owner = world.headers["owner"]
    listing = (await client.get(f"/api/v1/enrollments/courses/{world.course_id}", headers=owner)).json()
    assert listing["total"] == 1
    assert listing["items"][0]["student"]["email"] == "enrolled@example.com"
    stats = (await client.get(f"/api/v1/enrollments/courses/{world.course_id}/stats", headers=owner)).json()
    assert stats["completed_count"] == 1 and stats["completion_rate"] == "100.00"
    assert stats["average_rating"] == "4.00" and stats["rating_count"] == 1
    course = (await client.get(f"/api/v1/courses/{world.course_id}")).json()
    assert course["enrollment_count"] == 1 and course["rating_count"] == 1


async def test_enrolment_problems(client: AsyncClient, world: World) -> None:
    newcomer = world.headers["student"]
    assert_problem(
        await client.post("/api/v1/enrollments", json={"course_id": world.paid_course_id}, headers=newcomer),
        402,
        "payment_required",
    )
    assert_problem(
        await client.post("/api/v1/enrollments", json={"course_id": UNKNOWN}, headers=newcomer),
        404,
        "courses.not_found",
    )
    again = await client.post(
        "/api/v1/enrollments", json={"course_id": world.course_id}, headers=world.headers["enrolled"]
    )
    assert_problem(again, 409, "enrollment.already_enrolled")
    for bad in ({}, {"course_id": "nope"}, {"course_id": world.course_id, "extra": 1}):
        assert_problem(
            await client.post("/api/v1/enrollments", json=bad, headers=newcomer), 422, "request.validation_failed"
        )
    assert_problem(await client.get("/api/v1/enrollments/not-a-uuid", headers=newcomer), 404, "request.not_found")
    assert_problem(await client.get(f"/api/v1/enrollments/{UNKNOWN}", headers=newcomer), 404, "enrollments.not_found")
    assert_problem(
        await client.get("/api/v1/enrollments/my-courses", params={"status": "paused"}, headers=newcomer),
        422,
        "request.validation_failed",
    )
    assert_problem(
        await client.get("/api/v1/enrollments/my-courses", params={"page_size": 101}, headers=newcomer),
        422,
        "request.validation_failed",
    )


async def test_progress_problems(client: AsyncClient, world: World) -> None:
    learner = world.headers["enrolled"]
    for body in (
        {"completion_percentage": 101},
        {"completion_percentage": "NaN"},
        {"time_spent_seconds": -1},
        {"last_position_seconds": -1},
        {"minutes": 3},
    ):
        assert_problem(await client.put(world.progress(), json=body, headers=learner), 422, "request.validation_failed")
    assert_problem(
        await client.put(world.progress(), json={"last_position_seconds": 301}, headers=learner),
        422,
        "enrollments.invalid_progress",
    )
    elsewhere = f"/api/v1/enrollments/{world.enrollment_id}/lessons/{world.other_lesson_id}/progress"
    assert_problem(await client.put(elsewhere, json={}, headers=learner), 422, "enrollments.lesson_not_in_course")
    unknown = f"/api/v1/enrollments/{world.enrollment_id}/lessons/{UNKNOWN}/complete"
    assert_problem(await client.post(unknown, headers=learner), 404, "lessons.not_found")
    assert_problem(await client.post(world.complete(), headers=world.headers["owner"]), 403, "enrollments.not_owner")
    dropped = await client.post(f"/api/v1/enrollments/{world.enrollment_id}/drop", headers=learner)
    assert dropped.json()["status"] == "dropped"
    assert_problem(await client.post(world.complete(), headers=learner), 409, "enrollments.not_active")
    assert_problem(
        await client.post(f"/api/v1/enrollments/{world.enrollment_id}/drop", headers=learner),
        409,
        "enrollments.not_active",
    )
    assert_problem(
        await client.post(f"/api/v1/enrollments/{world.enrollment_id}/review", json={"rating": 3}, headers=learner),
        403,
        "enrollments.review_not_allowed",
    )
    back = await client.post("/api/v1/enrollments", json={"course_id": world.course_id}, headers=learner)
    assert back.status_code == 201 and back.json()["id"] == world.enrollment_id


async def test_review_problems(client: AsyncClient, world: World) -> None:
    path = f"/api/v1/enrollments/{world.enrollment_id}/review"
    learner = world.headers["enrolled"]
    for body in ({"rating": 0}, {"rating": 6}, {"rating": 3, "review": "x" * 5001}, {"review": "no rating"}):
        assert_problem(await client.post(path, json=body, headers=learner), 422, "request.validation_failed")


async def test_course_report_problems(client: AsyncClient, world: World) -> None:
    owner = world.headers["owner"]
    assert_problem(await client.get(f"/api/v1/enrollments/courses/{UNKNOWN}", headers=owner), 404, "courses.not_found")
    assert_problem(
        await client.get(f"/api/v1/enrollments/courses/{UNKNOWN}/stats", headers=owner), 404, "courses.not_found"
    )
    assert_problem(
        await client.get(f"/api/v1/enrollments/courses/{world.course_id}", headers=world.headers["student"]),
        403,
        "courses.not_manager",
    )
    assert_problem(
        await client.get(f"/api/v1/enrollments/courses/{world.course_id}", params={"status": "paused"}, headers=owner),
        422,
        "request.validation_failed",
    )


async def test_the_schema_documents_every_enrolment_route(client: AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    expected = {
        "/api/v1/enrollments": {"post": {"201", "400", "401", "402", "403", "404", "409", "422"}},
        "/api/v1/enrollments/my-courses": {"get": {"200", "401", "422"}},
        "/api/v1/enrollments/{enrollment_id}": {"get": {"200", "401", "404"}},
        "/api/v1/enrollments/{enrollment_id}/lessons/{lesson_id}/progress": {
            "put": {"200", "400", "401", "403", "404", "409", "422"}
        },
        "/api/v1/enrollments/{enrollment_id}/lessons/{lesson_id}/complete": {
            "post": {"200", "401", "403", "404", "409", "422"}
        },
        "/api/v1/enrollments/{enrollment_id}/review": {"post": {"200", "400", "401", "403", "404", "422"}},
        "/api/v1/enrollments/{enrollment_id}/drop": {"post": {"200", "401", "403", "404", "409"}},
        "/api/v1/enrollments/courses/{course_id}": {"get": {"200", "401", "403", "404", "422"}},
        "/api/v1/enrollments/courses/{course_id}/stats": {"get": {"200", "401", "403", "404"}},
    }
    for path, methods in expected.items():
        assert path in paths, sorted(paths)
        for method, statuses in methods.items():
            assert set(paths[path][method]["responses"]) >= statuses, (path, method)
