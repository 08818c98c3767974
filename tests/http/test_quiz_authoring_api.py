"""Spec section 5 (quiz authoring) over HTTP: the whole flow, problem responses, and the authorization
matrix for every authoring endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient, Response

from lms_core import Lms
from lms_core.courses.commands import CreateCourse, UpdateCourse, UpdateLesson
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.quizzes.commands import AddQuestion
from tests.http.helpers import assert_problem, expect
from tests.support.catalogue import instructor, published_course
from tests.support.quizzes import MIXED_QUESTIONS, draft_quiz, graded_quiz, quiz_lesson
from tests.support.roles import MATRIX_EMAILS, matrix_cast, signed_in_headers

UNKNOWN = "01890000-0000-7000-8000-000000000000"
ROLES = ["anonymous", "student", "enrolled", "other_instructor", "owner", "admin"]
MANAGERS = ("owner", "admin")
# Authoring endpoints: a token is needed (401), then the course's instructor or an admin (403).
MANAGE = [
    ("anonymous", 401),
    ("student", 403),
    ("enrolled", 403),
    ("other_instructor", 403),
    ("owner", 200),
    ("admin", 200),
]


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    course_id: str
    quiz_id: str  # published, with MIXED_QUESTIONS
    question_ids: list[str]
    draft_quiz_id: str  # unpublished, one question
    draft_question_id: str
    spare_lesson_id: str  # a quiz lesson without a quiz
    hidden_course_id: str  # a draft course with a quiz
    hidden_quiz_id: str


@pytest.fixture
async def world(lms: Lms) -> World:
    cast = await matrix_cast(lms)
    owner, enrolled = cast.owner, cast.enrolled
    course = await published_course(lms, owner, "Matrix", lessons=1)
    published = await graded_quiz(lms, owner, course, MIXED_QUESTIONS, title="Published quiz")
    _, draft = await draft_quiz(lms, owner, course, "Draft quiz")
    draft_question = await lms.quizzes.add_question(owner, draft.id, AddQuestion(**MIXED_QUESTIONS[1]))
    spare = await quiz_lesson(lms, owner, course, "Spare")
    hidden_course = await lms.courses.create_course(owner, CreateCourse(title="Hidden"))
    hidden = await graded_quiz(lms, owner, hidden_course, publish_course=False)
    await lms.enrollments.enroll(enrolled, EnrollInCourse(course_id=course.id))
    headers = await signed_in_headers(lms, MATRIX_EMAILS)
    return World(
        headers=headers,
        course_id=str(course.id),
        quiz_id=str(published.quiz.id),
        question_ids=published.question_ids,
        draft_quiz_id=str(draft.id),
        draft_question_id=str(draft_question.id),
        spare_lesson_id=str(spare.id),
        hidden_course_id=str(hidden_course.id),
        hidden_quiz_id=str(hidden.quiz.id),
    )


def expect_authoring(response: Response, status: int, *, missing: str = "quizzes.not_found") -> Any:
    """A matrix cell of quiz authoring: a 403 is the course-manager rule, a 404 says `missing` does not exist."""
    refusals = {401: "auth.not_authenticated", 403: "courses.not_manager", 404: missing}
    return expect(response, status, refusals.get(status))


def success(status: int, created: int) -> int:
    """The status a manager gets (`created` for 201/204 endpoints), or the refusal for others."""
    return created if status == 200 else status


def assert_no_answer_key(questions: list[dict[str, Any]]) -> None:
    for question in questions:
        assert set(question) == {"id", "quiz_id", "question_type", "question_text", "points", "order_index", "options"}


# -- authorization matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
async def test_list_and_read_quizzes_matrix(client: AsyncClient, world: World, role: str) -> None:
    headers = world.headers[role]
    listing = expect_authoring(await client.get(f"/api/v1/courses/{world.course_id}/quizzes", headers=headers), 200)
    expected = {"Published quiz", "Draft quiz"} if role in MANAGERS else {"Published quiz"}
    assert {quiz["title"] for quiz in listing} == expected
    quiz = expect_authoring(
        await client.get(f"/api/v1/courses/{world.course_id}/quizzes/{world.quiz_id}", headers=headers), 200
    )
    assert quiz["is_published"] is True
    draft = await client.get(f"/api/v1/courses/{world.course_id}/quizzes/{world.draft_quiz_id}", headers=headers)
    expect_authoring(draft, 200 if role in MANAGERS else 404)
    # A draft course and its quizzes do not exist for anyone but its managers.
    hidden = 200 if role in MANAGERS else 404
    expect_authoring(
        await client.get(f"/api/v1/courses/{world.hidden_course_id}/quizzes", headers=headers),
        hidden,
        missing="courses.not_found",
    )
    expect_authoring(
        await client.get(f"/api/v1/courses/{world.hidden_course_id}/quizzes/{world.hidden_quiz_id}", headers=headers),
        hidden,
    )


async def test_questions_of_a_paid_course_stay_closed_to_anonymous_callers_unless_previewed(
    client: AsyncClient, lms: Lms
) -> None:
    owner = await instructor(lms, "owner@example.com")
    course = await published_course(lms, owner, "Premium", lessons=1)
    paid = await graded_quiz(lms, owner, course, MIXED_QUESTIONS, title="Paid quiz")
    await lms.courses.update_course(owner, course.id, UpdateCourse(price=Decimal("99.00")))
    url = f"/api/v1/quizzes/{paid.quiz.id}/questions"

    problem = assert_problem(await client.get(url), 403, "quizzes.questions_for_learners")
    assert MIXED_QUESTIONS[0]["question_text"] not in str(problem)

    await lms.courses.update_lesson(owner, paid.lesson.id, UpdateLesson(is_preview=True))
    questions = expect(await client.get(url), 200)
    assert [q["question_text"] for q in questions] == [q["question_text"] for q in MIXED_QUESTIONS]
    assert_no_answer_key(questions)


@pytest.mark.parametrize(("role", "status"), MANAGE)
async def test_create_quiz_matrix(client: AsyncClient, world: World, role: str, status: int) -> None:
    response = await client.post(
        f"/api/v1/courses/{world.course_id}/quizzes",
        json={"lesson_id": world.spare_lesson_id, "title": f"By {role}"},
        headers=world.headers[role],
    )
    expect_authoring(response, success(status, 201))


@pytest.mark.parametrize(("role", "status"), MANAGE)
async def test_update_and_publish_quiz_matrix(client: AsyncClient, world: World, role: str, status: int) -> None:
    base = f"/api/v1/courses/{world.course_id}/quizzes"
    headers = world.headers[role]
    updated = await client.patch(f"{base}/{world.quiz_id}", json={"passing_score": 55}, headers=headers)
    expect_authoring(updated, status)
    published = await client.post(f"{base}/{world.draft_quiz_id}/publish", headers=headers)
    # An unpublished quiz does not exist for signed-in non-managers: 404, so a 403 never reveals it.
    expect_authoring(published, 404 if status == 403 else status)
    if status == 200:
        assert updated.json()["passing_score"] == 55
        assert published.json()["is_published"] is True


@pytest.mark.parametrize(
    ("role", "public", "draft_public", "manage"),
    [
        ("anonymous", 403, 404, 401),
        ("student", 403, 404, 403),
        ("enrolled", 200, 404, 403),
        ("other_instructor", 403, 404, 403),
        ("owner", 200, 200, 200),
        ("admin", 200, 200, 200),
    ],
)
async def test_question_views_matrix(
    client: AsyncClient, world: World, role: str, public: int, draft_public: int, manage: int
) -> None:
    headers = world.headers[role]
    response = await client.get(f"/api/v1/quizzes/{world.quiz_id}/questions", headers=headers)
    if public == 200:
        questions = expect(response, 200)
        assert [q["id"] for q in questions] == world.question_ids
        assert_no_answer_key(questions)
    else:
        # Question text is course content: the quiz is public, its questions are for learners.
        problem = assert_problem(response, public, "quizzes.questions_for_learners")
        assert "question_text" not in response.text
        assert problem["details"] == {"quiz_id": world.quiz_id, "course_id": world.course_id}
    expect_authoring(
        await client.get(f"/api/v1/quizzes/{world.draft_quiz_id}/questions", headers=headers), draft_public
    )
    managed = expect_authoring(
        await client.get(f"/api/v1/quizzes/{world.quiz_id}/questions/manage", headers=headers), manage
    )
    if manage == 200:
        assert managed[0]["correct_answers"] == ["2", "3"]
        assert managed[0]["explanation"] == "4 and 6 are even and greater than 2."
        assert managed[1]["correct_answers"] == ["true"]
    hidden = 200 if role in MANAGERS else (401 if role == "anonymous" else 404)
    expect_authoring(
        await client.get(f"/api/v1/quizzes/{world.hidden_quiz_id}/questions/manage", headers=headers), hidden
    )
    expect_authoring(
        await client.get(f"/api/v1/quizzes/{world.hidden_quiz_id}/questions", headers=headers),
        200 if role in MANAGERS else 404,
    )


@pytest.mark.parametrize(("role", "status"), MANAGE)
async def test_question_management_matrix(client: AsyncClient, world: World, role: str, status: int) -> None:
    base = f"/api/v1/quizzes/{world.draft_quiz_id}/questions"
    headers = world.headers[role]
    # The quiz is unpublished: signed-in non-managers are told it does not exist.
    status = 404 if status == 403 else status
    added = await client.post(
        base, json={"question_type": "true_false", "question_text": "Added?", "correct_answer": False}, headers=headers
    )
    expect_authoring(added, success(status, 201))
    updated = await client.patch(
        f"{base}/{world.draft_question_id}", json={"question_text": "Changed?"}, headers=headers
    )
    expect_authoring(updated, status)
    order = [world.draft_question_id, added.json()["id"]] if status == 200 else [world.draft_question_id]
    expect_authoring(await client.post(f"{base}/reorder", json={"question_ids": order[::-1]}, headers=headers), status)
    expect_authoring(await client.delete(f"{base}/{world.draft_question_id}", headers=headers), success(status, 204))
    if status == 200:
        remaining = expect_authoring(await client.get(f"{base}/manage", headers=headers), 200)
        assert [(q["question_text"], q["order_index"]) for q in remaining] == [("Added?", 0)]


@pytest.mark.parametrize("role", ["student", "enrolled", "other_instructor"])
async def test_authoring_a_hidden_course_is_not_found_for_others(client: AsyncClient, world: World, role: str) -> None:
    headers = world.headers[role]
    base = f"/api/v1/quizzes/{world.hidden_quiz_id}/questions"
    body = {"question_type": "essay", "question_text": "Why?"}
    assert_problem(await client.post(base, json=body, headers=headers), 404, "quizzes.not_found")
    assert_problem(
        await client.patch(
            f"/api/v1/courses/{world.hidden_course_id}/quizzes/{world.hidden_quiz_id}", json={"title": "X"},
            headers=headers,
        ),
        404, "quizzes.not_found",
    )  # fmt: skip


# -- problems ------------------------------------------------------------------------------------------------


async def test_invalid_input_is_422_problem(client: AsyncClient, world: World) -> None:
    owner = world.headers["owner"]
    questions = f"/api/v1/quizzes/{world.draft_quiz_id}/questions"
    mc = {"question_type": "multiple_choice", "question_text": "Pick", "options": ["a", "b"], "correct_answer": "a"}
    for body, code in [
        ({**mc, "options": ["a"]}, "quizzes.invalid_question"),
        ({**mc, "options": ["a", "a"]}, "quizzes.invalid_question"),
        ({**mc, "correct_answer": "c"}, "quizzes.invalid_question"),
        ({**mc, "points": 0}, "quizzes.invalid_question"),
        ({**mc, "points": -2}, "quizzes.invalid_question"),
        ({**mc, "points": "0.001"}, "quizzes.invalid_question"),
        ({**mc, "points": "lots"}, "request.validation_failed"),
        ({**mc, "colour": "red"}, "request.validation_failed"),
        ({**mc, "question_type": "matching"}, "request.validation_failed"),
        ({**mc, "order_index": -1}, "request.validation_failed"),
        ({"question_type": "true_false", "question_text": "T", "correct_answer": [True]}, "request.validation_failed"),
        ({"question_type": "essay", "question_text": "Why?", "correct_answer": "Because"}, "quizzes.invalid_question"),
    ]:
        problem = assert_problem(await client.post(questions, json=body, headers=owner), 422, code)
        if code == "quizzes.invalid_question":
            assert problem["details"]["field"]
    quizzes = f"/api/v1/courses/{world.course_id}/quizzes"
    for body, code in [
        ({"lesson_id": world.spare_lesson_id, "title": "Q", "passing_score": 101}, "request.validation_failed"),
        ({"lesson_id": world.spare_lesson_id, "title": "Q", "max_attempts": 0}, "request.validation_failed"),
        ({"lesson_id": world.spare_lesson_id, "title": "Q", "time_limit_minutes": 0}, "request.validation_failed"),
        ({"lesson_id": world.spare_lesson_id, "title": "Q", "is_published": True}, "request.validation_failed"),
        ({"lesson_id": world.spare_lesson_id}, "request.validation_failed"),
        ({"lesson_id": "not-a-uuid", "title": "Q"}, "request.validation_failed"),
        ({"lesson_id": UNKNOWN, "title": "Q"}, "quizzes.invalid"),
    ]:
        assert_problem(await client.post(quizzes, json=body, headers=owner), 422, code)
    lessons = await client.get(f"/api/v1/courses/{world.course_id}/lessons", headers=owner)
    text_lesson_id = next(lesson["id"] for lesson in lessons.json() if lesson["lesson_type"] == "text")
    assert_problem(
        await client.post(quizzes, json={"lesson_id": text_lesson_id, "title": "Q"}, headers=owner),
        422,
        "quizzes.invalid",
    )
    assert_problem(
        await client.patch(f"{quizzes}/{world.quiz_id}", json={"passing_score": "high"}, headers=owner),
        422,
        "request.validation_failed",
    )
    assert_problem(
        await client.post(f"{questions}/reorder", json={"question_ids": [UNKNOWN]}, headers=owner),
        422,
        "quizzes.invalid_reorder",
    )
    assert_problem(
        await client.post(f"{questions}/reorder", json={"question_ids": []}, headers=owner),
        422,
        "request.validation_failed",
    )


async def test_unknown_ids_are_404_problems(client: AsyncClient, world: World) -> None:
    owner = world.headers["owner"]
    course, quiz, draft = world.course_id, world.quiz_id, world.draft_quiz_id
    for method, path, code in [
        ("GET", f"/api/v1/courses/{UNKNOWN}/quizzes", "courses.not_found"),
        ("GET", f"/api/v1/courses/{course}/quizzes/{UNKNOWN}", "quizzes.not_found"),
        ("GET", f"/api/v1/courses/{world.hidden_course_id}/quizzes/{quiz}", "quizzes.not_found"),  # wrong course
        ("PATCH", f"/api/v1/courses/{world.hidden_course_id}/quizzes/{quiz}", "quizzes.not_found"),
        ("POST", f"/api/v1/courses/{UNKNOWN}/quizzes/{quiz}/publish", "quizzes.not_found"),
        ("GET", f"/api/v1/quizzes/{UNKNOWN}/questions", "quizzes.not_found"),
        ("GET", f"/api/v1/quizzes/{UNKNOWN}/questions/manage", "quizzes.not_found"),
        ("PATCH", f"/api/v1/quizzes/{draft}/questions/{UNKNOWN}", "quizzes.question_not_found"),
        ("PATCH", f"/api/v1/quizzes/{draft}/questions/{world.question_ids[0]}", "quizzes.question_not_found"),
        ("DELETE", f"/api/v1/quizzes/{draft}/questions/{UNKNOWN}", "quizzes.question_not_found"),
        ("GET", "/api/v1/quizzes/not-a-uuid/questions", "request.not_found"),
    ]:
        body = {"question_text": "X"} if "questions/" in path else {"title": "X"}
        response = await client.request(method, path, headers=owner, json=body if method == "PATCH" else None)
        assert_problem(response, 404, code)
    assert_problem(
        await client.post(f"/api/v1/courses/{UNKNOWN}/quizzes", json={"lesson_id": world.spare_lesson_id, "title": "Q"},
                          headers=owner),
        404,
        "courses.not_found",
    )  # fmt: skip


async def test_conflicts_are_409_problems(client: AsyncClient, world: World) -> None:
    owner = world.headers["owner"]
    quizzes = f"/api/v1/courses/{world.course_id}/quizzes"
    created = await client.post(quizzes, json={"lesson_id": world.spare_lesson_id, "title": "First"}, headers=owner)
    assert created.status_code == 201, created.text
    assert_problem(
        await client.post(quizzes, json={"lesson_id": world.spare_lesson_id, "title": "Second"}, headers=owner),
        409,
        "quizzes.lesson_has_quiz",
    )
    assert_problem(
        await client.post(f"{quizzes}/{created.json()['id']}/publish", headers=owner), 409, "quizzes.no_questions"
    )
    # Down to one question, a published quiz keeps it.
    base = f"/api/v1/quizzes/{world.quiz_id}/questions"
    for question_id in world.question_ids[1:]:
        assert (await client.delete(f"{base}/{question_id}", headers=owner)).status_code == 204
    assert_problem(await client.delete(f"{base}/{world.question_ids[0]}", headers=owner), 409, "quizzes.no_questions")


# -- the whole flow ------------------------------------------------------------------------------------------


async def test_the_whole_authoring_flow_over_http(client: AsyncClient, world: World) -> None:
    owner, learner = world.headers["owner"], world.headers["enrolled"]
    lesson = await client.post(
        f"/api/v1/courses/{world.course_id}/lessons", json={"title": "Final", "lesson_type": "quiz"}, headers=owner
    )
    assert lesson.status_code == 201, lesson.text
    created = await client.post(
        f"/api/v1/courses/{world.course_id}/quizzes",
        json={
            "lesson_id": lesson.json()["id"],
            "title": "Final quiz",
            "quiz_type": "practice",
            "passing_score": 50,
            "time_limit_minutes": 15,
            "max_attempts": 2,
            "shuffle_options": False,
        },
        headers=owner,
    )
    quiz = expect_authoring(created, 201)
    assert (quiz["quiz_type"], quiz["passing_score"], quiz["shuffle_questions"], quiz["shuffle_options"]) == (
        "practice", 50, True, False,
    )  # fmt: skip
    base = f"/api/v1/quizzes/{quiz['id']}/questions"
    bodies = [
        {"question_type": "multiple_choice", "question_text": "Pick two", "options": ["a", "b", "c"],
         "correct_answers": ["a", "b"], "partial_credit": True, "points": "2.5", "explanation": "a and b"},
        {"question_type": "true_false", "question_text": "True?", "correct_answer": True, "points": 1},
        {"question_type": "short_answer", "question_text": "Keyword?", "correct_answer": "def"},
        {"question_type": "essay", "question_text": "Discuss", "points": 3, "order_index": 0},
    ]  # fmt: skip
    added = [expect_authoring(await client.post(base, json=body, headers=owner), 201) for body in bodies]
    assert added[0]["points"] == "2.50"
    assert added[0]["correct_answers"] == ["a", "b"]
    assert added[2]["correct_answers"] == ["def"]
    assert added[3]["order_index"] == 0
    # Not published yet: learners cannot see it.
    assert_problem(await client.get(base, headers=learner), 404, "quizzes.not_found")
    edited = await client.patch(
        f"{base}/{added[1]['id']}", json={"correct_answer": False, "points": "1.75"}, headers=owner
    )
    assert (expect_authoring(edited, 200)["correct_answers"], edited.json()["points"]) == (["false"], "1.75")
    order = [added[0]["id"], added[1]["id"], added[2]["id"], added[3]["id"]]
    reordered = expect_authoring(await client.post(f"{base}/reorder", json={"question_ids": order}, headers=owner), 200)
    assert [(q["id"], q["order_index"]) for q in reordered] == [(qid, n) for n, qid in enumerate(order)]
    published = await client.post(f"/api/v1/courses/{world.course_id}/quizzes/{quiz['id']}/publish", headers=owner)
    assert expect_authoring(published, 200)["is_published"] is True
    settings = await client.patch(
        f"/api/v1/courses/{world.course_id}/quizzes/{quiz['id']}",
        json={"time_limit_minutes": None, "description": "Now untimed"},
        headers=owner,
    )
    assert (expect_authoring(settings, 200)["time_limit_minutes"], settings.json()["max_attempts"]) == (None, 2)

    seen = expect_authoring(await client.get(base, headers=learner), 200)
    assert [q["id"] for q in seen] == order
    assert_no_answer_key(seen)
    assert [q["points"] for q in seen] == ["2.50", "1.75", "1.00", "3.00"]
    assert b"a and b" not in (await client.get(base, headers=learner)).content
    listing = expect_authoring(await client.get(f"/api/v1/courses/{world.course_id}/quizzes", headers=learner), 200)
    assert {q["title"] for q in listing} == {"Published quiz", "Final quiz"}


async def test_the_openapi_document_lists_the_authoring_routes(client: AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    for path, methods in [
        ("/api/v1/courses/{course_id}/quizzes", {"get", "post"}),
        ("/api/v1/courses/{course_id}/quizzes/{quiz_id}", {"get", "patch"}),
        ("/api/v1/courses/{course_id}/quizzes/{quiz_id}/publish", {"post"}),
        ("/api/v1/quizzes/{quiz_id}/questions", {"get", "post"}),
        ("/api/v1/quizzes/{quiz_id}/questions/manage", {"get"}),
        ("/api/v1/quizzes/{quiz_id}/questions/reorder", {"post"}),
        ("/api/v1/quizzes/{quiz_id}/questions/{question_id}", {"patch", "delete"}),
    ]:
        assert methods <= set(paths[path]), path
    public = document["components"]["schemas"]["QuestionView"]["properties"]
    assert "correct_answers" not in public
    assert "explanation" not in public
