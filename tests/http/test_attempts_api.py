"""Quiz attempts over HTTP: taking a quiz end to end, problems, route ordering and the authorization matrix."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient

from lms_core import Actor, Lms
from lms_core.quizzes.commands import AddQuestion
from lms_core.quizzes.entities import DEADLINE_GRACE, QuestionType
from lms_core.shared.clock import FixedClock
from tests.http.helpers import assert_problem, bearer, run_matrix
from tests.support.attempts import ESSAY, MIXED_ANSWERS, classmate, quiz_room, sheet
from tests.support.catalogue import instructor, student
from tests.support.flows import create_admin, login_tokens
from tests.support.quizzes import MIXED_QUESTIONS, draft_quiz
from tests.support.roles import MATRIX_EMAILS, signed_in_headers

UNKNOWN = "01890000-0000-7000-8000-000000000000"


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    quiz_id: str
    open_attempt_id: str  # the enrolled student's attempt, in progress
    open_answers: list[dict[str, Any]]
    submitted_attempt_id: str  # a classmate's attempt, waiting for the essay to be graded
    essay_id: str
    enrollment_id: str  # the enrolled student's

    def attempts(self, suffix: str = "") -> str:
        return f"/api/v1/quizzes/{self.quiz_id}/attempts{suffix}"


@pytest.fixture
async def world(lms: Lms) -> World:
    room = await quiz_room(lms, MIXED_QUESTIONS, email="enrolled@example.com", max_attempts=5)
    await instructor(lms, "other@example.com")
    await student(lms, "student@example.com")
    await create_admin(lms, "admin@example.com")
    attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
    mate = await classmate(lms, room, "mate@example.com")
    submitted = await lms.quizzes.start_attempt(mate, room.quiz_id)
    await lms.quizzes.submit_attempt(mate, room.quiz_id, submitted.id, sheet(submitted, MIXED_ANSWERS))
    # The owner's address is made by `classroom` from the course title.
    headers = await signed_in_headers(lms, {**MATRIX_EMAILS, "owner": "owner-quiz-course@example.com"})
    answers = sheet(attempt, MIXED_ANSWERS).answers
    return World(
        headers=headers,
        quiz_id=str(room.quiz_id),
        open_attempt_id=str(attempt.id),
        open_answers=[{"question_id": str(a.question_id), "answer": a.answer} for a in answers],
        submitted_attempt_id=str(submitted.id),
        essay_id=str(next(q.question_id for q in submitted.questions if q.question_text == ESSAY)),
        enrollment_id=str(room.enrollment.id),
    )


ROLES = ["anonymous", "student", "enrolled", "other_instructor", "owner", "admin"]

# Expected status of every endpoint for every caller, in call order (state-changing calls last). An
# attempt is seen by its student, the course's instructor and admins (404 to others); answering it is
# its student's (403 to the other readers); grading is for the instructor and admins.
MATRIX: dict[str, dict[str, int]] = {
    "GET my-attempts": dict(zip(ROLES, [401, 200, 200, 200, 200, 200], strict=True)),
    "GET start": dict(zip(ROLES, [401, 404, 200, 404, 404, 404], strict=True)),
    "GET attempt": dict(zip(ROLES, [401, 404, 200, 404, 200, 200], strict=True)),
    "PUT answers": dict(zip(ROLES, [401, 404, 200, 404, 403, 403], strict=True)),
    "POST submit": dict(zip(ROLES, [401, 404, 200, 404, 403, 403], strict=True)),
    "POST grade": dict(zip(ROLES, [401, 404, 404, 404, 200, 200], strict=True)),
    "POST start": dict(zip(ROLES, [401, 403, 201, 403, 403, 403], strict=True)),
}


def call(client: AsyncClient, world: World, endpoint: str, headers: dict[str, str]) -> Any:
    answers = {"answers": world.open_answers}
    attempt = world.attempts(f"/{world.open_attempt_id}")
    grade = {"grades": [{"question_id": world.essay_id, "points": "0.5", "feedback": "Fine"}]}
    requests = {
        "GET my-attempts": lambda: client.get(world.attempts("/my-attempts"), headers=headers),
        "GET start": lambda: client.get(world.attempts("/start"), headers=headers),
        "GET attempt": lambda: client.get(attempt, headers=headers),
        "PUT answers": lambda: client.put(f"{attempt}/answers", json=answers, headers=headers),
        "POST submit": lambda: client.post(f"{attempt}/submit", json=answers, headers=headers),
        "POST grade": lambda: client.post(
            world.attempts(f"/{world.submitted_attempt_id}/grade"), json=grade, headers=headers
        ),
        "POST start": lambda: client.post(world.attempts(), headers=headers),
    }
    return requests[endpoint]()


# The problem code of each refusal: who may not see an attempt is told it does not exist; a 403 names the rule.
REFUSAL_CODES: dict[str, dict[int, str]] = {
    endpoint: {
        401: "auth.not_authenticated",
        404: "quizzes.attempt_not_found",
        403: "quizzes.enrollment_required" if endpoint == "POST start" else "quizzes.not_attempt_owner",
    }
    for endpoint in MATRIX
}


def by_question(answer: dict[str, Any]) -> str:
    return str(answer["question_id"])


def check_success(world: World, endpoint: str, role: str, body: Any) -> None:
    """What a 2xx answer of each endpoint must say (a status alone would pass an empty or wrong body)."""
    if endpoint == "GET my-attempts":
        assert body["total"] == len(body["items"])
        assert [a["id"] for a in body["items"]] == ([world.open_attempt_id] if role == "enrolled" else [])
    elif endpoint in ("GET start", "GET attempt"):
        assert (body["id"], body["status"]) == (world.open_attempt_id, "in_progress")
    elif endpoint == "PUT answers":
        assert body["id"] == world.open_attempt_id
        assert sorted(body["answers"], key=by_question) == sorted(world.open_answers, key=by_question)
    elif endpoint == "POST submit":
        assert (body["id"], body["status"], body["score"]) == (world.open_attempt_id, "submitted", "7.00")
    elif endpoint == "POST grade":
        assert (body["id"], body["status"]) == (world.submitted_attempt_id, "graded")
    else:
        assert body["status"] == "in_progress"
        assert body["id"] != world.open_attempt_id  # the open attempt was submitted: a new one starts


@pytest.mark.parametrize("role", ROLES)
async def test_authorization_matrix(client: AsyncClient, world: World, lms: Lms, role: str) -> None:
    await run_matrix(
        role,
        MATRIX,
        REFUSAL_CODES,
        lambda endpoint: call(client, world, endpoint, world.headers[role]),
        lambda endpoint, body: check_success(world, endpoint, role, body),
    )
    # What the successes stored: the student's submission, the manager's grade, nothing for anyone else.
    quiz_id = UUID(world.quiz_id)
    taken = await lms.quizzes.get_attempt(Actor.system(), quiz_id, UUID(world.open_attempt_id))
    assert taken.status == ("submitted" if role == "enrolled" else "in_progress")
    graded = await lms.quizzes.get_attempt(Actor.system(), quiz_id, UUID(world.submitted_attempt_id))
    assert graded.status == ("graded" if role in ("owner", "admin") else "submitted")


async def test_taking_a_quiz_end_to_end(client: AsyncClient, world: World) -> None:
    learner = world.headers["enrolled"]
    resumed = await client.post(world.attempts(), headers=learner)
    assert resumed.status_code == 201, resumed.text
    taking = resumed.json()
    assert taking["id"] == world.open_attempt_id and taking["status"] == "in_progress"
    assert "correct" not in resumed.text and "explanation" not in resumed.text  # no answer keys while taking
    assert taking["max_score"] == "10.00" and taking["score"] is None and taking["deadline_at"] is None
    saved = await client.put(
        world.attempts(f"/{world.open_attempt_id}/answers"), json={"answers": world.open_answers[:1]}, headers=learner
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["answers"] == world.open_answers[:1]
    page = (await client.get(world.attempts("/start"), headers=learner)).json()
    assert page["answers"] == world.open_answers[:1] and page["questions"] == taking["questions"]
    submitted = await client.post(
        world.attempts(f"/{world.open_attempt_id}/submit"), json={"answers": world.open_answers}, headers=learner
    )
    assert submitted.status_code == 200, submitted.text
    result = submitted.json()
    assert (result["status"], result["score"], result["percentage"], result["is_passed"]) == (
        "submitted", "7.00", "70.00", None,
    )  # fmt: skip
    assert result["correct_answers_shown"] is True
    essay = next(q for q in result["questions"] if q["question_text"] == ESSAY)
    assert (essay["graded_by"], essay["points_awarded"]) == ("pending", None)
    assert_problem(await client.get(world.attempts("/start"), headers=learner), 404, "quizzes.attempt_not_found")
    graded = await client.post(
        world.attempts(f"/{world.open_attempt_id}/grade"),
        json={"grades": [{"question_id": essay["question_id"], "points": 1, "feedback": "Well argued"}]},
        headers=world.headers["owner"],
    )
    assert graded.status_code == 200, graded.text
    assert (graded.json()["status"], graded.json()["score"], graded.json()["is_passed"]) == ("graded", "8.00", True)
    mine = (await client.get(world.attempts("/my-attempts"), headers=learner)).json()
    assert (mine["total"], mine["page"], mine["page_size"]) == (1, 1, 20)
    assert mine["items"][0]["id"] == world.open_attempt_id and mine["items"][0]["percentage"] == "80.00"
    final = (await client.get(world.attempts(f"/{world.open_attempt_id}"), headers=learner)).json()
    assert next(q for q in final["questions"] if q["question_text"] == ESSAY)["feedback"] == "Well argued"


async def test_dropping_the_course_closes_the_attempt_in_progress(client: AsyncClient, world: World) -> None:
    learner = world.headers["enrolled"]
    attempt = world.attempts(f"/{world.open_attempt_id}")
    saved = await client.put(f"{attempt}/answers", json={"answers": world.open_answers[:2]}, headers=learner)
    assert saved.status_code == 200, saved.text
    dropped = await client.post(f"/api/v1/enrollments/{world.enrollment_id}/drop", headers=learner)
    assert (dropped.status_code, dropped.json()["status"]) == (200, "dropped")

    closed = (await client.get(attempt, headers=learner)).json()
    # Graded from the two saved answers (partial credit 2 of 4, and 2): no essay was saved, none is pending.
    assert (closed["status"], closed["score"], closed["is_passed"]) == ("graded", "4.00", False)
    assert closed["submitted_at"] is not None
    for method, path, body in (
        ("PUT", f"{attempt}/answers", {"answers": world.open_answers}),
        ("POST", f"{attempt}/submit", {"answers": world.open_answers}),
    ):
        refused = await client.request(method, path, json=body, headers=learner)
        assert_problem(refused, 409, "quizzes.attempt_closed")
    assert_problem(await client.post(world.attempts(), headers=learner), 403, "quizzes.enrollment_required")
    assert (await client.get(attempt, headers=learner)).json() == closed


async def test_conflicts_and_invalid_answers_are_problems(client: AsyncClient, world: World) -> None:
    learner = world.headers["enrolled"]
    attempt = world.attempts(f"/{world.open_attempt_id}")
    first = world.open_answers[0]
    for body in (
        {"answers": [{"question_id": UNKNOWN, "answer": True}]},
        {"answers": [first, first]},
        {"answers": [{"question_id": first["question_id"], "answer": ["7"]}]},
    ):
        problem = assert_problem(
            await client.post(f"{attempt}/submit", json=body, headers=learner), 422, "quizzes.invalid_answers"
        )
        assert problem["code"] == "quizzes.invalid_answers" and problem["details"]["question_id"]
    for malformed in (
        {"answers": [{"question_id": first["question_id"], "answer": 7}]},
        {"answers": [{"question_id": "not-a-uuid"}]},
        {"answers": [], "extra": 1},
        {"answers": "all of them"},
    ):
        assert_problem(
            await client.put(f"{attempt}/answers", json=malformed, headers=learner), 422, "request.validation_failed"
        )
    assert (await client.post(f"{attempt}/submit", json={"answers": world.open_answers}, headers=learner)).is_success
    for again in (
        client.post(f"{attempt}/submit", json={}, headers=learner),
        client.put(f"{attempt}/answers", json={}, headers=learner),
    ):
        assert_problem(await again, 409, "quizzes.attempt_closed")
    owner = world.headers["owner"]
    assert_problem(
        await client.post(
            world.attempts(f"/{world.submitted_attempt_id}/grade"),
            json={"grades": [{"question_id": world.essay_id, "points": "1.5"}]},
            headers=owner,
        ),
        422,
        "quizzes.invalid_grade",
    )
    assert_problem(
        await client.post(world.attempts(f"/{world.submitted_attempt_id}/grade"), json={"grades": []}, headers=owner),
        422,
        "request.validation_failed",
    )


async def test_attempt_limits_and_deadlines_are_conflicts(lms: Lms, client: AsyncClient, clock: FixedClock) -> None:
    room = await quiz_room(lms, max_attempts=1, time_limit_minutes=1)
    access, _ = await login_tokens(lms, "learner@example.com")
    learner = bearer(access)
    base = f"/api/v1/quizzes/{room.quiz_id}/attempts"
    started = (await client.post(base, headers=learner)).json()
    assert started["deadline_at"] is not None
    clock.advance(timedelta(minutes=1) + DEADLINE_GRACE + timedelta(seconds=1))
    late = await client.post(f"{base}/{started['id']}/submit", json={"answers": []}, headers=learner)
    assert_problem(late, 409, "quizzes.deadline_passed")
    assert (await client.get(f"{base}/{started['id']}", headers=learner)).json()["status"] == "graded"
    assert_problem(await client.post(base, headers=learner), 409, "quizzes.no_attempts_left")


async def test_unpublished_quizzes_are_missing_for_learners_and_closed_to_managers(
    lms: Lms, client: AsyncClient
) -> None:
    room = await quiz_room(lms)
    _, draft = await draft_quiz(lms, room.owner, room.course, "Draft")
    await lms.quizzes.add_question(
        room.owner, draft.id, AddQuestion(question_type=QuestionType.TRUE_FALSE, question_text="Q", correct_answer=True)
    )
    learner = bearer((await login_tokens(lms, "learner@example.com"))[0])
    owner = bearer((await login_tokens(lms, "owner-quiz-course@example.com"))[0])
    base = f"/api/v1/quizzes/{draft.id}/attempts"
    assert_problem(await client.post(base, headers=learner), 404, "quizzes.not_found")
    assert_problem(await client.post(base, headers=owner), 409, "quizzes.not_published")
    assert_problem(await client.post(f"/api/v1/quizzes/{UNKNOWN}/attempts", headers=learner), 404, "quizzes.not_found")


async def test_named_routes_are_not_taken_for_attempt_ids(client: AsyncClient, world: World) -> None:
    learner = world.headers["enrolled"]
    assert (await client.get(world.attempts("/start"), headers=learner)).json()["id"] == world.open_attempt_id
    assert (await client.get(world.attempts("/my-attempts"), headers=learner)).json()["total"] == 1
    assert_problem(await client.get(world.attempts(f"/{UNKNOWN}"), headers=learner), 404, "quizzes.attempt_not_found")
    assert_problem(await client.get(world.attempts("/not-an-id"), headers=learner), 404, "request.not_found")
    assert_problem(
        await client.get(world.attempts("/my-attempts"), params={"page_size": 101}, headers=learner),
        422,
        "request.validation_failed",
    )
    assert_problem(
        await client.get("/api/v1/quizzes/not-a-quiz/attempts/start", headers=learner), 404, "request.not_found"
    )


async def test_concurrent_submits_over_http_grade_once(client: AsyncClient, world: World) -> None:
    learner = world.headers["enrolled"]
    path = world.attempts(f"/{world.open_attempt_id}/submit")
    responses = await asyncio.gather(
        *(client.post(path, json={"answers": world.open_answers}, headers=learner) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]


async def test_the_schema_documents_every_attempt_route(client: AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    base = "/api/v1/quizzes/{quiz_id}/attempts"
    expected = {
        base: {"post": {"201", "401", "403", "404", "409"}},
        f"{base}/start": {"get": {"200", "401", "404"}},
        f"{base}/my-attempts": {"get": {"200", "401", "404", "422"}},
        f"{base}/{{attempt_id}}": {"get": {"200", "401", "404"}},
        f"{base}/{{attempt_id}}/answers": {"put": {"200", "400", "401", "403", "404", "409", "413", "422"}},
        f"{base}/{{attempt_id}}/submit": {"post": {"200", "400", "401", "403", "404", "409", "413", "422"}},
        f"{base}/{{attempt_id}}/grade": {"post": {"200", "400", "401", "403", "404", "409", "413", "422"}},
    }
    for path, methods in expected.items():
        assert path in paths, sorted(paths)
        for method, statuses in methods.items():
            assert set(paths[path][method]["responses"]) >= statuses, (path, method)
