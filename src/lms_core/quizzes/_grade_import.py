"""Importing and exporting manual grades, the pure part: parsing rows and applying them to attempts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from uuid import UUID

from lms_core.quizzes.commands import ImportedGrade
from lms_core.quizzes.entities import AttemptStatus, QuestionType
from lms_core.quizzes.grading import (
    QuestionResult,
    grade_answers,
)
from lms_core.quizzes.ports import AttemptOwner, GradingRow
from lms_core.quizzes.views import (
    GradeRecordView,
    points_of,
)

GRADE_IMPORT = "grade_import"
MAX_FEEDBACK = 5000


@dataclass(frozen=True, slots=True)
class ParsedGrade:
    line: int
    attempt_id: UUID
    question_id: UUID
    points_centi: int
    feedback: str | None


def parse_grade_line(grade: ImportedGrade, problems: list[tuple[int, str]]) -> ParsedGrade | None:
    """The line's values, or None after recording what is wrong with it."""
    found: list[str] = []
    attempt_id = parse_uuid_cell(grade.attempt_id, "attempt_id", found)
    question_id = parse_uuid_cell(grade.question_id, "question_id", found)
    points = parse_points_cell(grade.points, found)
    feedback = (grade.feedback or "").strip() or None
    if feedback is not None and len(feedback) > MAX_FEEDBACK:
        found.append(f"feedback is longer than {MAX_FEEDBACK} characters")
    if found or attempt_id is None or question_id is None or points is None:
        problems.extend((grade.line, reason) for reason in found)
        return None
    return ParsedGrade(
        line=grade.line, attempt_id=attempt_id, question_id=question_id, points_centi=points, feedback=feedback
    )


def parse_uuid_cell(text: str, name: str, found: list[str]) -> UUID | None:
    try:
        return UUID(text.strip())
    except ValueError:
        found.append(f"{name} {text.strip()!r} is not a UUID" if text.strip() else f"{name} is missing")
        return None


def parse_points_cell(text: str, found: list[str]) -> int | None:
    """Points as hundredths: a number of at least 0 with at most two decimals."""
    cleaned = text.strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        found.append(f"points {cleaned!r} is not a number" if cleaned else "points are missing")
        return None
    if not value.is_finite() or value < 0:
        found.append("points must be a number of at least 0")
        return None
    centi = value * 100
    if centi != centi.to_integral_value():
        found.append("points have at most two decimals")
        return None
    return int(centi)


class GradeSheet:
    """One attempt's results while an import applies grades to it."""

    def __init__(self, row: GradingRow, stored: list[QuestionResult] | None) -> None:
        self.row = row
        self.questions = {q.question_id: q for q in row.questions}
        self.results = stored if stored is not None else grade_answers(row.questions, row.answers)
        self._index = {r.question_id: n for n, r in enumerate(self.results)}
        self._graded: set[UUID] = set()

    def apply(self, grade: ParsedGrade) -> str | None:
        """Apply the grade, or say why it cannot be."""
        if self.row.status is AttemptStatus.IN_PROGRESS:
            return "the attempt is still in progress"
        question = self.questions.get(grade.question_id)
        if question is None or grade.question_id not in self._index:
            return f"question {grade.question_id} is not part of this attempt"
        if grade.question_id in self._graded:
            return f"question {grade.question_id} of this attempt is graded on an earlier line"
        position = self._index[grade.question_id]
        if self.results[position].graded_by == "auto":
            return "the question is graded automatically (or was not answered); change its key and regrade instead"
        if grade.points_centi > question.points_centi:
            return f"the question is worth {points_of(question.points_centi)} points at most"
        self._graded.add(grade.question_id)
        self.results = list(self.results)
        self.results[position] = QuestionResult(
            question_id=grade.question_id,
            points_centi=grade.points_centi,
            is_correct=grade.points_centi == question.points_centi,
            graded_by="manual",
            feedback=grade.feedback,
        )
        return None


def grade_records(row: GradingRow, results: list[QuestionResult], owner: AttemptOwner) -> list[GradeRecordView]:
    by_question = {r.question_id: r for r in results}
    records = []
    for question in row.questions:
        result = by_question.get(question.question_id)
        graded_by = "pending" if result is None else result.graded_by
        records.append(
            GradeRecordView(
                attempt_id=row.id,
                question_id=question.question_id,
                points=None if result is None or result.points_centi is None else points_of(result.points_centi),
                feedback=None if result is None else result.feedback,
                max_points=points_of(question.points_centi),
                graded_by=graded_by,
                question_type=QuestionType(question.question_type),
                answer=row.answers.get(str(question.question_id)),
                attempt_number=owner.attempt_number,
                attempt_status=row.status,
                student_id=owner.student_id,
                student_email=owner.email,
                student_name=owner.full_name,
            )
        )
    return records
