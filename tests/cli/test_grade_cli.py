"""`lms grade`: pending work, regrades, grade files; JSON output, exit codes, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest

from lms_adapters.bootstrap import open_lms
from lms_cli.output import EXIT_INVALID, EXIT_NOT_FOUND
from lms_core import Actor, Lms
from lms_core.quizzes.commands import UpdateQuestion
from lms_core.quizzes.entities import AttemptStatus
from lms_core.quizzes.views import AttemptResultView
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.attempts import ALL_RIGHT, QuizRoom, classmate, question_id, quiz_room, sheet
from tests.support.cli import cli_env, invoke
from tests.support.quizzes import MIXED_QUESTIONS

T = TypeVar("T")
ESSAY = "Why do you want to learn Python?"
MIXED_ANSWERS: dict[str, Any] = {
    "Which are prime?": ["2"],
    "Python is dynamically typed.": True,
    "Name the keyword that defines a function.": "def",
    ESSAY: "To automate my job.",
}


@dataclass
class Seeded:
    quiz_id: UUID
    attempts: dict[str, UUID]  # by student e-mail
    essay_ids: dict[str, UUID]  # the essay question's id, by student e-mail


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return cli_env(database_url, tmp_path)


def with_lms(database_url: str, body: Callable[[Lms], Awaitable[T]]) -> T:
    async def run() -> T:
        async with open_lms(make_settings(database_url), clock=FixedClock()) as lms:
            return await body(lms)

    return asyncio.run(run())


def seed(database_url: str, answers: dict[str, dict[str, Any]], **settings: Any) -> Seeded:
    """A mixed quiz (one essay) and one submitted attempt per e-mail with the given answers."""

    async def body(lms: Lms) -> Seeded:
        room = await quiz_room(lms, MIXED_QUESTIONS, **settings)
        attempts, essays = {}, {}
        for email, given in answers.items():
            learner = room.learner if email == "learner@example.com" else await classmate(lms, room, email)
            attempt = await lms.quizzes.start_attempt(learner, room.quiz_id)
            await lms.quizzes.submit_attempt(learner, room.quiz_id, attempt.id, sheet(attempt, given))
            attempts[email], essays[email] = attempt.id, question_id(attempt, ESSAY)
        return Seeded(quiz_id=room.quiz_id, attempts=attempts, essay_ids=essays)

    return with_lms(database_url, body)


def attempt_of(database_url: str, quiz_id: UUID, attempt_id: UUID) -> AttemptResultView:
    return with_lms(database_url, lambda lms: lms.quizzes.get_attempt(Actor.system(), quiz_id, attempt_id))


def change_key(database_url: str, quiz_id: UUID, text: str, **changes: Any) -> None:
    async def body(lms: Lms) -> None:
        questions = await lms.quizzes.list_managed_questions(Actor.system(), quiz_id)
        target = next(q for q in questions if q.question_text == text)
        await lms.quizzes.update_question(Actor.system(), quiz_id, target.id, UpdateQuestion(**changes))

    with_lms(database_url, body)


def test_regrade_reports_who_changed_and_dry_run_changes_nothing(env: dict[str, str], database_url: str) -> None:
    # 2 + 2 + 3 = 7 of 10 before the essay is graded; with "2" alone right, 9 of 10.
    seeded = seed(database_url, {"learner@example.com": MIXED_ANSWERS}, passing_score=80)
    attempt_id = seeded.attempts["learner@example.com"]
    import_file = Path(env["LMS_MAIL_DIR"]).parent / "essay.csv"
    import_file.write_text(f"attempt_id,question_id,points\n{attempt_id},{seeded.essay_ids['learner@example.com']},0\n")
    assert invoke(["grade", "import", "--quiz", str(seeded.quiz_id), str(import_file)], env)[0] == 0
    assert attempt_of(database_url, seeded.quiz_id, attempt_id).is_passed is False
    change_key(database_url, seeded.quiz_id, "Which are prime?", correct_answers=["2"])

    code, out, _ = invoke(["grade", "regrade", "--quiz", str(seeded.quiz_id), "--dry-run", "--json"], env)
    assert code == 0, out
    report = json.loads(out)
    assert (report["dry_run"], report["attempts_regraded"], report["attempts_changed"], report["fail_to_pass"]) == (
        True, 1, 1, 1,
    )  # fmt: skip
    assert [change["student_email"] for change in report["passed_now"]] == ["learner@example.com"]
    assert attempt_of(database_url, seeded.quiz_id, attempt_id).is_passed is False

    code, out, _ = invoke(["grade", "regrade", "--quiz", str(seeded.quiz_id)], env)
    assert code == 0, out
    assert "fail -> pass" in out and "now passing (1):" in out and "learner@example.com" in out
    assert "70.00% -> 90.00%" in out
    result = attempt_of(database_url, seeded.quiz_id, attempt_id)
    assert (str(result.score), result.is_passed) == ("9.00", True)


def test_pending_closes_overdue_attempts_and_reports_in_json(env: dict[str, str], database_url: str) -> None:
    async def body(lms: Lms) -> tuple[UUID, UUID]:
        room: QuizRoom = await quiz_room(lms, time_limit_minutes=5)
        attempt = await lms.quizzes.start_attempt(room.learner, room.quiz_id)
        await lms.quizzes.save_answers(room.learner, room.quiz_id, attempt.id, sheet(attempt, ALL_RIGHT))
        return room.quiz_id, attempt.id

    # Started at the test clock's time (long past): overdue by now.
    quiz_id, attempt_id = with_lms(database_url, body)
    code, out, _ = invoke(["grade", "pending", "--quiz", str(quiz_id), "--json"], env)
    assert code == 0, out
    assert json.loads(out) == {"overdue_closed": 1, "ungraded_graded": 0, "passed": 1, "awaiting_manual": 0}
    closed = attempt_of(database_url, quiz_id, attempt_id)
    assert closed.status is AttemptStatus.GRADED and closed.time_taken_seconds == timedelta(minutes=5).seconds
    code, out, _ = invoke(["grade", "pending"], env)
    assert code == 0 and "overdue attempts closed" in out


def test_a_grades_file_with_bad_lines_imports_nothing_and_exits_invalid(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    seeded = seed(database_url, {"learner@example.com": MIXED_ANSWERS, "b@example.com": MIXED_ANSWERS})
    a, b = seeded.attempts["learner@example.com"], seeded.attempts["b@example.com"]
    essay_a, essay_b = seeded.essay_ids["learner@example.com"], seeded.essay_ids["b@example.com"]  # one question
    bad = tmp_path / "grades.csv"
    lines = ["attempt_id,question_id,points,feedback", f"{a},{essay_a},1,Fine", f"{b},{essay_b},1.5,Too much"]
    bad.write_text("\n".join([*lines, "", f"{b},{a},0.5,", ""]))  # line 4 is blank
    code, _, err = invoke(["grade", "import", "--quiz", str(seeded.quiz_id), str(bad)], env)
    assert code == EXIT_INVALID
    assert "grades.csv:3: the question is worth 1.00 points at most" in err
    assert f"grades.csv:5: question {a} is not part of this attempt" in err
    assert "grades.csv:2" not in err and "quizzes.invalid_grade" in err
    assert attempt_of(database_url, seeded.quiz_id, a).status is AttemptStatus.SUBMITTED

    code, out, _ = invoke(["grade", "import", "--quiz", str(seeded.quiz_id), str(bad), "--json"], env)
    assert code == EXIT_INVALID
    assert [p["line"] for p in json.loads(out)["error"]["details"]["problems"]] == [3, 5]

    missing = tmp_path / "missing.csv"
    missing.write_text("attempt,question_id,points\n")
    code, _, err = invoke(["grade", "import", "--quiz", str(seeded.quiz_id), str(missing)], env)
    assert code == EXIT_INVALID and "missing: attempt_id" in err


def test_export_pending_fill_in_and_import(env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    seeded = seed(database_url, {"learner@example.com": MIXED_ANSWERS, "b@example.com": MIXED_ANSWERS})
    code, out, _ = invoke(["grade", "export", "--quiz", str(seeded.quiz_id)], env)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 8 and rows[0].keys() >= {"attempt_id", "question_id", "points", "feedback", "student_email"}
    assert {row["graded_by"] for row in rows} == {"auto", "pending"}

    code, out, _ = invoke(["grade", "export", "--quiz", str(seeded.quiz_id), "--pending"], env)
    todo = list(csv.DictReader(io.StringIO(out)))
    assert len(todo) == 2 and all(row["points"] == "" and row["answer"] == "To automate my job." for row in todo)
    for row in todo:
        row["points"], row["feedback"] = "0.75", "Clear."
    filled = tmp_path / "filled.csv"
    with filled.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(todo[0].keys()))
        writer.writeheader()
        writer.writerows(todo)
    code, out, _ = invoke(["grade", "import", "--quiz", str(seeded.quiz_id), str(filled), "--json"], env)
    assert code == 0, out
    assert json.loads(out)["attempts_now_graded"] == 2

    code, out, _ = invoke(["grade", "export", "--quiz", str(seeded.quiz_id), "--format", "json"], env)
    assert code == 0
    records = json.loads(out)
    essays = [r for r in records if r["question_id"] in {str(q) for q in seeded.essay_ids.values()}]
    assert [(r["points"], r["graded_by"], r["feedback"]) for r in essays] == [("0.75", "manual", "Clear.")] * 2
    code, out, _ = invoke(["grade", "export", "--quiz", str(seeded.quiz_id), "--pending", "--format", "json"], env)
    assert json.loads(out) == []


def test_an_unknown_quiz_is_not_found(env: dict[str, str]) -> None:
    missing = "00000000-0000-7000-8000-000000000000"
    code, out, _ = invoke(["grade", "regrade", "--quiz", missing, "--json"], env)
    assert code == EXIT_NOT_FOUND and json.loads(out)["error"]["code"] == "quizzes.not_found"
    code, _, err = invoke(["grade", "export", "--quiz", missing], env)
    assert code == EXIT_NOT_FOUND and "quizzes.not_found" in err


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_exporting_an_unknown_quiz_writes_nothing_to_stdout(env: dict[str, str], fmt: str) -> None:
    missing = "00000000-0000-7000-8000-000000000000"
    code, out, err = invoke(["grade", "export", "--quiz", missing, "--format", fmt], env)
    assert (code, out) == (EXIT_NOT_FOUND, "")  # `> grades.csv` leaves an empty file, not a header alone
    assert err.startswith("error [quizzes.not_found]: ")
