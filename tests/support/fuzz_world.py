"""Seeded data for fuzzing a live server: every role's account and the objects their flows need.

Everything is created through the public HTTP API, as a client would, so the fuzzer starts from states
the application itself produced. Each fuzzing pass (one role) gets its own world: what the fuzzer breaks
while signed in as one role (a deleted course, a dropped enrolment, a revoked certificate) never leaks
into another role's pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx

PASSWORD = "a long fuzzing passphrase"

# One question of every type, so the quiz's answer forms and grading paths all exist.
QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "question_type": "multiple_choice",
        "question_text": "Which are prime?",
        "options": ["2", "3", "4"],
        "correct_answers": ["2", "3"],
        "partial_credit": True,
        "points": "4",
    },
    {
        "question_type": "true_false",
        "question_text": "Python is dynamically typed.",
        "correct_answer": True,
        "points": "2",
    },
    {
        "question_type": "short_answer",
        "question_text": "The keyword that defines a function?",
        "correct_answers": ["def"],
    },
    {"question_type": "essay", "question_text": "Why learn Python?", "points": "2"},
)


# The event type of the webhook endpoints the fuzzer registers or changes. The seeded delivery comes from
# another one (`fuzz_events.DELIVERED_EVENT`), so no delivery is ever due to them.
FUZZED_WEBHOOK_EVENT = "certificates.revoked"


class Role(StrEnum):
    """Who a fuzzing pass signs in as."""

    ANONYMOUS = "anonymous"
    STUDENT = "student"
    ENROLLED = "enrolled_student"
    OTHER_INSTRUCTOR = "other_instructor"
    OWNER = "owning_instructor"
    ADMIN = "admin"


@dataclass
class Session:
    email: str
    access_token: str
    refresh_token: str


@dataclass
class FuzzWorld:
    """Ids of the seeded objects, and per role the sessions a pass may use (one for ordinary calls,
    one to log out, one to refresh, so that neither revokes the session the other calls need)."""

    base_url: str
    tag: str
    ids: dict[str, str] = field(default_factory=dict)
    questions: list[str] = field(default_factory=list)
    sessions: dict[Role, dict[str, Session]] = field(default_factory=dict)
    bodies: dict[str, Any] = field(default_factory=dict)

    def token(self, role: Role, purpose: str = "main") -> str | None:
        if role is Role.ANONYMOUS:
            return None
        return self.sessions[role][purpose].access_token


class _Client:
    """Seeding calls from their own loopback address: the auth rate limits count per client address, and
    the fuzzing that runs before a pass's seeding may have spent the fuzzer's own allowance."""

    def __init__(self, base_url: str, source_address: str) -> None:
        transport = httpx.HTTPTransport(local_address=source_address)
        self._http = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30, transport=transport)

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, token: str | None = None, *, expect: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self._http.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expect, f"seeding {method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


def _login(client: _Client, email: str) -> Session:
    body = client.call("POST", "/auth/login", json={"email": email, "password": PASSWORD})
    return Session(email=email, access_token=body["access_token"], refresh_token=body["refresh_token"])


def _sessions(client: _Client, email: str) -> dict[str, Session]:
    return {purpose: _login(client, email) for purpose in ("main", "logout", "refresh")}


def _register(client: _Client, email: str, role: str) -> None:
    client.call(
        "POST",
        "/auth/register",
        expect=201,
        json={"email": email, "password": PASSWORD, "full_name": f"Fuzz {role}", "role": role},
    )


def seed_world(base_url: str, tag: str, admin_token: str, source_address: str, webhook_url: str) -> FuzzWorld:
    """Accounts for every role (the admin made by `admin_token`'s admin) and the objects each id-taking
    operation needs to succeed once, created from `source_address` (a loopback address of its own).
    Webhook endpoints point at `webhook_url`, a receiver on this machine."""
    world = FuzzWorld(base_url=base_url, tag=tag)
    world.bodies["webhook_endpoint"] = {
        "url": webhook_url,
        "event_types": [FUZZED_WEBHOOK_EVENT],
        "description": f"Fuzzed {tag}",
    }
    client = _Client(base_url, source_address)
    try:
        _seed(client, world, admin_token)
    finally:
        client.close()
    return world


def _seed(client: _Client, world: FuzzWorld, admin_token: str) -> None:
    ids = world.ids
    emails: dict[Role, str] = {
        role: f"{role.value.replace('_', '-')}-{world.tag}@example.com" for role in Role if role != Role.ANONYMOUS
    }
    # Each pass has its own admin too: logins per account are rate limited, and the passes add up.
    client.call(
        "POST",
        "/users",
        admin_token,
        expect=201,
        json={"email": emails[Role.ADMIN], "password": PASSWORD, "full_name": "Fuzz admin", "role": "admin"},
    )
    for role in (Role.OWNER, Role.OTHER_INSTRUCTOR):
        _register(client, emails[role], "instructor")
    for role in (Role.STUDENT, Role.ENROLLED):
        _register(client, emails[role], "student")
    for role in (Role.STUDENT, Role.ENROLLED, Role.OWNER, Role.OTHER_INSTRUCTOR, Role.ADMIN):
        world.sessions[role] = _sessions(client, emails[role])
    owner = world.token(Role.OWNER)
    student = world.token(Role.ENROLLED)
    admin = world.token(Role.ADMIN)

    # A user only the admin's user-management calls touch, so a demotion or deactivation hurts no pass.
    spare = client.call(
        "POST",
        "/users",
        admin,
        expect=201,
        json={"email": f"spare-{world.tag}@example.com", "password": PASSWORD, "full_name": "Spare", "role": "student"},
    )
    ids["spare_user"] = spare["id"]

    def course(title: str, *lessons: dict[str, Any], publish: bool = True) -> tuple[str, list[str]]:
        made = client.call("POST", "/courses", owner, expect=201, json={"title": f"{title} {world.tag}"})
        lesson_ids = [
            client.call("POST", f"/courses/{made['id']}/lessons", owner, expect=201, json=lesson)["id"]
            for lesson in lessons
        ]
        if publish:
            client.call("POST", f"/courses/{made['id']}/publish", owner)
        return made["id"], lesson_ids

    def quiz(course_id: str, lesson_id: str, *, publish: bool) -> tuple[str, list[str]]:
        made = client.call(
            "POST",
            f"/courses/{course_id}/quizzes",
            owner,
            expect=201,
            json={"lesson_id": lesson_id, "title": "Check-up", "max_attempts": 100, "passing_score": 50},
        )
        question_ids = [
            client.call("POST", f"/quizzes/{made['id']}/questions", owner, expect=201, json=question)["id"]
            for question in QUESTIONS
        ]
        if publish:
            client.call("POST", f"/courses/{course_id}/quizzes/{made['id']}/publish", owner)
        return made["id"], question_ids

    text = {"title": "Reading", "lesson_type": "text", "content": "Some words."}
    video = {"title": "Watching", "lesson_type": "video", "video_url": "https://example.com/v.mp4"}
    quiz_lesson = {"title": "Quiz", "lesson_type": "quiz"}
    # The main course stays published until its quizzes exist: a published course's new lessons are fine,
    # but its quiz lessons must be in place before learners arrive.
    ids["course"], (ids["text_lesson"], ids["video_lesson"], quiz_lesson_id, start_lesson_id, spare_quiz_lesson) = (
        course("Main", text, video, quiz_lesson, quiz_lesson, quiz_lesson, publish=False)
    )
    ids["quiz"], world.questions = quiz(ids["course"], quiz_lesson_id, publish=True)
    ids["start_quiz"], _ = quiz(ids["course"], start_lesson_id, publish=True)
    ids["spare_quiz_lesson"] = spare_quiz_lesson
    ids["spare_lesson"] = client.call(
        "POST", f"/courses/{ids['course']}/lessons", owner, expect=201, json={**text, "title": "Spare"}
    )["id"]
    client.call("POST", f"/courses/{ids['course']}/publish", owner)

    ids["draft_course"], (draft_quiz_lesson,) = course("Draft", quiz_lesson, publish=False)
    ids["draft_quiz"], draft_questions = quiz(ids["draft_course"], draft_quiz_lesson, publish=False)
    ids["draft_question"], ids["spare_question"] = draft_questions[0], draft_questions[1]
    # Reordering names every lesson or question, so it gets a course and a quiz no other operation grows.
    ids["reorderable_course"], reorderable_lessons = course("Reorderable", text, quiz_lesson, publish=False)
    ids["reorderable_quiz"], reorderable_questions = quiz(
        ids["reorderable_course"], reorderable_lessons[1], publish=False
    )
    world.bodies["lesson_order"] = {"lesson_ids": list(reversed(reorderable_lessons))}
    world.bodies["question_order"] = {"question_ids": list(reversed(reorderable_questions))}
    ids["publishable_course"], _ = course("Publishable", text, publish=False)
    ids["deletable_course"], _ = course("Deletable", publish=False)
    ids["completable_course"], (completable_lesson,) = course("Completable", text)
    ids["certifiable_course"], (certifiable_lesson,) = course("Certifiable", text)
    ids["droppable_course"], _ = course("Droppable", text)

    def enrol(course_id: str) -> str:
        enrolment: str = client.call("POST", "/enrollments", student, expect=201, json={"course_id": course_id})["id"]
        return enrolment

    ids["enrollment"] = enrol(ids["course"])
    ids["droppable_enrollment"] = enrol(ids["droppable_course"])
    for name, course_id, lesson_id in (
        ("completed_enrollment", ids["completable_course"], completable_lesson),
        ("certifiable_enrollment", ids["certifiable_course"], certifiable_lesson),
    ):
        ids[name] = enrol(course_id)
        client.call("POST", f"/enrollments/{ids[name]}/lessons/{lesson_id}/complete", student)
    # Issuing is the course manager's act; the fuzzer's generate calls aim at the certifiable enrolment.
    certificate = client.call(
        "POST", f"/certificates/enrollments/{ids['completed_enrollment']}/generate", owner, expect=201
    )
    ids["certificate"], ids["certificate_number"] = certificate["id"], certificate["certificate_number"]

    questions = world.questions
    world.bodies["answers"] = {
        "answers": [
            {"question_id": questions[0], "answer": ["2", "3"]},
            {"question_id": questions[1], "answer": True},
            {"question_id": questions[2], "answer": "def"},
            {"question_id": questions[3], "answer": "To automate things."},
        ]
    }
    world.bodies["grades"] = {"grades": [{"question_id": questions[3], "points": "1", "feedback": "Fair."}]}
    submitted = client.call("POST", f"/quizzes/{ids['quiz']}/attempts", student, expect=201)
    client.call(
        "POST", f"/quizzes/{ids['quiz']}/attempts/{submitted['id']}/submit", student, json=world.bodies["answers"]
    )
    ids["submitted_attempt"] = submitted["id"]
    ids["attempt"] = client.call("POST", f"/quizzes/{ids['quiz']}/attempts", student, expect=201)["id"]

    def upload(token: str | None, name: str, **fields: str) -> str:
        file_id: str = client.call(
            "POST",
            "/files/upload",
            token,
            expect=201,
            files={"file": (name, b"plain words for the fuzzer\n", "text/plain")},
            data=fields,
        )["id"]
        return file_id

    ids["file"] = upload(owner, "notes.txt", course_id=ids["course"])
    ids["deletable_file"] = upload(owner, "old.txt", course_id=ids["course"])
    ids["student_file"] = upload(student, "mine.txt")

    world.bodies["emails"] = emails

    # Webhook endpoints (an admin's): one to read, change and rotate, one to delete.
    for name in ("webhook_endpoint", "deletable_webhook_endpoint"):
        issued = client.call("POST", "/webhooks", admin, expect=201, json=world.bodies["webhook_endpoint"])
        ids[name] = issued["endpoint"]["id"]
