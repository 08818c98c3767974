"""One attempt is a batch of one: the single-attempt paths and the batch jobs write identical rows.

A database with the same attempts is copied; one copy closes and grades them one by one (a late change
by each learner, a person's grade), the other with the batch jobs (`grade_pending`, a grades file), and
every row they wrote must be the same: the attempts' grade columns and results, the grade audit, lesson
progress, enrolments and the outbox (generated ids and the audit's reason aside).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table
from sqlalchemy.engine import make_url

from lms_adapters.bootstrap import open_lms
from lms_adapters.persistence.models import enrollments, grade_audit, lesson_progress, outbox, quiz_attempts
from lms_core import Actor
from lms_core.enrollments.commands import ListMyEnrollments
from lms_core.quizzes.commands import GradeAttempt, GradePending, ImportedGrade, ImportGrades, ManualGrade
from lms_core.quizzes.entities import DEADLINE_GRACE
from lms_core.quizzes.errors import DeadlinePassed
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.attempts import ESSAY, MIXED_ANSWERS, classmate, question_id, quiz_room, sheet, table_rows
from tests.support.doubles import RecordingMailer
from tests.support.quizzes import MIXED_QUESTIONS

SYSTEM = Actor.system()
# 9 automatic points of 10 and the essay: passes at 75 % once the essay gets a point (or, unanswered, at once).
ALL_AUTO_RIGHT: dict[str, Any] = {
    "Which are prime?": ["2", "3"],
    "Python is dynamically typed.": True,
    "Name the keyword that defines a function.": "def",
}
DRAFTS: dict[str, dict[str, Any]] = {
    "pending@example.com": MIXED_ANSWERS,  # 7 automatic points, the essay waits for a person
    "passing@example.com": ALL_AUTO_RIGHT,  # 9 of 10: passed at once
    "failing@example.com": {"Python is dynamically typed.": False},  # 0: failed
}
# Tables compared, with the columns that are generated per database (or name the path taken).
COMPARED: list[tuple[Table, tuple[str, ...]]] = [
    (quiz_attempts, ()),
    (enrollments, ()),
    (lesson_progress, ("id",)),
    (grade_audit, ("id", "reason")),
    (outbox, ("id",)),
]


def _same_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with each event's own id left out of its payload: every event gets a new one, whichever path."""
    return [
        {**row, "payload": {k: v for k, v in row["payload"].items() if k != "event_id"}} if "payload" in row else row
        for row in rows
    ]


async def test_single_attempt_paths_and_batch_jobs_write_identical_rows(sqlite_url: str, tmp_path: Path) -> None:
    clock = FixedClock()
    async with open_lms(make_settings(sqlite_url), clock=clock, mailer=RecordingMailer()) as lms:
        room = await quiz_room(lms, MIXED_QUESTIONS, passing_score=75, time_limit_minutes=10)
        takers: list[tuple[Actor, Any]] = []
        for email, answers in DRAFTS.items():
            learner = room.learner if email == "pending@example.com" else await classmate(lms, room, email)
            enrollment = (await lms.enrollments.my_enrollments(learner, ListMyEnrollments())).items[0]
            await lms.enrollments.complete_lesson(learner, enrollment.id, room.text_lesson_ids[0])
            attempt = await lms.quizzes.start_attempt(learner, room.quiz_id)
            await lms.quizzes.save_answers(learner, room.quiz_id, attempt.id, sheet(attempt, answers))
            takers.append((learner, attempt))
    pending = takers[0][1]
    essay = question_id(pending, ESSAY)
    copy = tmp_path / "batch.db"
    shutil.copyfile(str(make_url(sqlite_url).database), copy)
    batch_url = f"sqlite+aiosqlite:///{copy}"
    clock.advance(timedelta(minutes=10) + DEADLINE_GRACE + timedelta(seconds=1))

    # One by one: each learner's late change closes their attempt, then a person grades the essay.
    async with open_lms(make_settings(sqlite_url), clock=clock, mailer=RecordingMailer()) as single:
        for learner, attempt in takers:
            with pytest.raises(DeadlinePassed):
                await single.quizzes.save_answers(learner, room.quiz_id, attempt.id, sheet(attempt, {}))
        grade = GradeAttempt(grades=[ManualGrade(question_id=essay, points=Decimal(1), feedback=" Clear. ")])
        await single.quizzes.grade_attempt(room.owner, room.quiz_id, pending.id, grade)

    # In bulk: the pending-grading job closes them, then a grades file grades the essay.
    async with open_lms(make_settings(batch_url), clock=clock, mailer=RecordingMailer()) as batch:
        report = await batch.quizzes.grade_pending(SYSTEM, GradePending(quiz_id=room.quiz_id))
        assert (report.overdue_closed, report.passed, report.awaiting_manual) == (3, 1, 1)
        line = ImportedGrade(
            line=1, attempt_id=str(pending.id), question_id=str(essay), points="1", feedback=" Clear. "
        )
        await batch.quizzes.import_grades(SYSTEM, ImportGrades(quiz_id=room.quiz_id, grades=[line]))

    for table, generated in COMPARED:
        one_by_one = _same_events(await table_rows(sqlite_url, table, leave_out=generated))
        in_bulk = _same_events(await table_rows(batch_url, table, leave_out=generated))
        assert one_by_one == in_bulk, table.name
    attempts = await table_rows(sqlite_url, quiz_attempts)
    # What both wrote: every attempt closed and graded, two passes (one through the person's grade).
    assert sorted((a["status"], a["score_centi"], a["is_passed"]) for a in attempts) == [
        ("graded", 0, False), ("graded", 800, True), ("graded", 900, True),
    ]  # fmt: skip
    events = sorted(row["event_type"] for row in await table_rows(sqlite_url, outbox))
    assert events.count("quizzes.passed") == 2 and events.count("enrollments.completed") == 2
    assert len(await table_rows(sqlite_url, grade_audit)) == 1
