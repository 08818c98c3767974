"""Outputs of the quizzes module."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

import msgspec

from lms_core.quizzes.entities import Attempt, AttemptStatus, Question, QuestionType, Quiz, QuizType
from lms_core.quizzes.grading import FrozenQuestion, QuestionResult

CENTI = Decimal("0.01")


def points_of(centi: int) -> Decimal:
    """Hundredths of a point as a two-decimal `Decimal` (150 -> 1.50)."""
    return (Decimal(centi) * CENTI).quantize(CENTI)


# authoring -----------------------------------------------------------------------------------------


class QuizView(msgspec.Struct, frozen=True, kw_only=True):
    """A quiz's settings. `max_attempts` null means unlimited; `time_limit_minutes` null means untimed."""

    id: UUID
    lesson_id: UUID
    course_id: UUID
    title: str
    description: str | None
    quiz_type: QuizType
    passing_score: int
    time_limit_minutes: int | None
    max_attempts: int | None
    shuffle_questions: bool
    shuffle_options: bool
    show_correct_answers: bool
    is_published: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, quiz: Quiz) -> QuizView:
        return cls(
            id=quiz.id,
            lesson_id=quiz.lesson_id,
            course_id=quiz.course_id,
            title=quiz.title,
            description=quiz.description,
            quiz_type=quiz.quiz_type,
            passing_score=quiz.passing_score,
            time_limit_minutes=quiz.time_limit_minutes,
            max_attempts=quiz.max_attempts,
            shuffle_questions=quiz.shuffle_questions,
            shuffle_options=quiz.shuffle_options,
            show_correct_answers=quiz.show_correct_answers,
            is_published=quiz.is_published,
            created_at=quiz.created_at,
            updated_at=quiz.updated_at,
        )


class QuestionView(msgspec.Struct, frozen=True, kw_only=True):
    """A question as learners may see it: never its answer key, explanation, grading mode or metadata.
    Options are in the authored order (attempts shuffle their own copy)."""

    id: UUID
    quiz_id: UUID
    question_type: QuestionType
    question_text: str
    points: Decimal
    order_index: int
    options: list[str] | None

    @classmethod
    def of(cls, question: Question) -> QuestionView:
        return cls(
            id=question.id,
            quiz_id=question.quiz_id,
            question_type=question.question_type,
            question_text=question.question_text,
            points=points_of(question.points_centi),
            order_index=question.order_index,
            options=question.options,
        )


class ManagedQuestionView(msgspec.Struct, frozen=True, kw_only=True):
    """A question with its answer key, for the course's instructor and admins only.

    `correct_answers` holds option texts (multiple choice), `["true"]` or `["false"]` (true/false),
    the accepted answers (short answer; null when a person grades it), or null (essay).
    """

    id: UUID
    quiz_id: UUID
    question_type: QuestionType
    question_text: str
    points: Decimal
    order_index: int
    options: list[str] | None
    correct_answers: list[str] | None
    partial_credit: bool
    needs_manual_grading: bool
    explanation: str | None
    question_metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, question: Question) -> ManagedQuestionView:
        return cls(
            id=question.id,
            quiz_id=question.quiz_id,
            question_type=question.question_type,
            question_text=question.question_text,
            points=points_of(question.points_centi),
            order_index=question.order_index,
            options=question.options,
            correct_answers=question.correct_answers,
            partial_credit=question.partial_credit,
            needs_manual_grading=question.frozen().needs_manual_grading,
            explanation=question.explanation,
            question_metadata=question.question_metadata,
            created_at=question.created_at,
            updated_at=question.updated_at,
        )


# attempts ------------------------------------------------------------------------------------------

AnswerValue = list[str] | str | bool | None


def percentage_of(basis_points: int) -> Decimal:
    """Basis points as a two-decimal percentage (8333 -> 83.33)."""
    return (Decimal(basis_points) * CENTI).quantize(CENTI)


class GivenAnswer(msgspec.Struct, frozen=True, kw_only=True):
    question_id: UUID
    answer: AnswerValue


class AttemptQuestionView(msgspec.Struct, frozen=True, kw_only=True):
    """A question as the learner answers it: options in this attempt's order, never the answer key."""

    question_id: UUID
    question_type: QuestionType
    question_text: str
    points: Decimal
    options: list[str] | None

    @classmethod
    def of(cls, question: FrozenQuestion) -> AttemptQuestionView:
        return cls(
            question_id=question.question_id,
            question_type=QuestionType(question.question_type),
            question_text=question.question_text,
            points=points_of(question.points_centi),
            options=question.options,
        )


class AttemptView(msgspec.Struct, frozen=True, kw_only=True):
    """One attempt and its score.

    `deadline_at` is null for an untimed quiz; `attempts_allowed` null means unlimited. `score`,
    `percentage` and `is_passed` are null while the attempt is in progress; once submitted, `status`
    stays `submitted` (and `is_passed` null) until a person has graded every essay or open question.
    """

    id: UUID
    quiz_id: UUID
    enrollment_id: UUID
    student_id: UUID
    attempt_number: int
    status: AttemptStatus
    started_at: datetime
    deadline_at: datetime | None
    submitted_at: datetime | None
    graded_at: datetime | None
    attempts_allowed: int | None
    passing_score: int
    score: Decimal | None
    max_score: Decimal
    percentage: Decimal | None
    is_passed: bool | None
    time_taken_seconds: int | None

    @classmethod
    def fields_of(cls, attempt: Attempt) -> dict[str, Any]:
        return {
            "id": attempt.id,
            "quiz_id": attempt.quiz_id,
            "enrollment_id": attempt.enrollment_id,
            "student_id": attempt.student_id,
            "attempt_number": attempt.attempt_number,
            "status": attempt.status,
            "started_at": attempt.started_at,
            "deadline_at": attempt.deadline_at,
            "submitted_at": attempt.submitted_at,
            "graded_at": attempt.graded_at,
            "attempts_allowed": attempt.attempts_allowed,
            "passing_score": attempt.passing_score,
            "score": None if attempt.score_centi is None else points_of(attempt.score_centi),
            "max_score": points_of(attempt.max_score_centi),
            "percentage": None if attempt.percentage_bp is None else percentage_of(attempt.percentage_bp),
            "is_passed": attempt.is_passed,
            "time_taken_seconds": attempt.time_taken_seconds,
        }

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptView:
        return cls(**cls.fields_of(attempt))


class AttemptTakingView(AttemptView, frozen=True, kw_only=True):
    """The attempt in progress, as the learner takes it: its questions in its own (shuffled) order and
    the answers saved so far."""

    questions: list[AttemptQuestionView]
    answers: list[GivenAnswer]

    @classmethod
    def taking(cls, attempt: Attempt) -> AttemptTakingView:
        return cls(
            **AttemptView.fields_of(attempt),
            questions=[AttemptQuestionView.of(q) for q in attempt.questions],
            answers=[
                GivenAnswer(question_id=q.question_id, answer=attempt.answers[str(q.question_id)])
                for q in attempt.questions
                if attempt.answers.get(str(q.question_id)) is not None
            ],
        )


class QuestionOutcomeView(msgspec.Struct, frozen=True, kw_only=True):
    """One question of an attempt with the answer given and its grade.

    `points_awarded` is null while a person still has to grade it (`graded_by` `pending`) or while the
    attempt is in progress. `correct_answers` and `explanation` are shown only once the attempt is
    closed and the quiz shows correct answers (always to the course's instructor and admins).
    """

    question_id: UUID
    question_type: QuestionType
    question_text: str
    options: list[str] | None
    points: Decimal
    answer: AnswerValue
    points_awarded: Decimal | None
    is_correct: bool | None
    graded_by: Literal["auto", "manual", "pending"] | None
    feedback: str | None
    correct_answers: list[str] | None
    explanation: str | None

    @classmethod
    def of(
        cls, question: FrozenQuestion, answer: AnswerValue, result: QuestionResult | None, *, reveal: bool
    ) -> QuestionOutcomeView:
        return cls(
            question_id=question.question_id,
            question_type=QuestionType(question.question_type),
            question_text=question.question_text,
            options=question.options,
            points=points_of(question.points_centi),
            answer=answer,
            points_awarded=None if result is None or result.points_centi is None else points_of(result.points_centi),
            is_correct=None if result is None else result.is_correct,
            graded_by=None if result is None else result.graded_by,
            feedback=None if result is None else result.feedback,
            correct_answers=question.correct_answers if reveal else None,
            explanation=question.explanation if reveal else None,
        )


class AttemptResultView(AttemptView, frozen=True, kw_only=True):
    """An attempt with the outcome of each question, in the attempt's order."""

    correct_answers_shown: bool
    questions: list[QuestionOutcomeView]

    @classmethod
    def result(cls, attempt: Attempt, *, reveal: bool) -> AttemptResultView:
        results = {r.question_id: r for r in attempt.results or []}
        return cls(
            **AttemptView.fields_of(attempt),
            correct_answers_shown=reveal,
            questions=[
                QuestionOutcomeView.of(
                    q, attempt.answers.get(str(q.question_id)), results.get(q.question_id), reveal=reveal
                )
                for q in attempt.questions
            ],
        )


# batch grading -------------------------------------------------------------------------------------


class GradeChangeView(msgspec.Struct, frozen=True, kw_only=True):
    """An attempt whose outcome a regrade changed, with who took it."""

    attempt_id: UUID
    student_id: UUID
    student_email: str
    student_name: str
    attempt_number: int
    old_score: Decimal | None
    new_score: Decimal
    old_percentage: Decimal | None
    new_percentage: Decimal
    old_passed: bool | None
    new_passed: bool | None


class KeptQuestionView(msgspec.Struct, frozen=True, kw_only=True):
    """A question a regrade could not re-key, so attempts keep the key they froze: it was deleted from
    the quiz, changed type, or its options changed (answers name options by their text)."""

    question_id: UUID
    reason: str


class RegradeReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a regrade did (or, with `dry_run`, would do).

    `attempts_regraded` counts closed attempts recomputed; `attempts_changed` those whose score or
    outcome changed (each has a grade-audit row); `open_attempts_rekeyed` attempts in progress given
    the new key for when they are submitted. `passed_now` and `failed_now` list who went from fail to
    pass and from pass to fail.
    """

    quiz_id: UUID
    dry_run: bool
    attempts_regraded: int
    attempts_changed: int
    fail_to_pass: int
    pass_to_fail: int
    open_attempts_rekeyed: int
    kept_questions: list[KeptQuestionView]
    passed_now: list[GradeChangeView]
    failed_now: list[GradeChangeView]


class PendingGradingReport(msgspec.Struct, frozen=True, kw_only=True):
    """What `grade_pending` did: attempts closed because their time was up, submitted attempts graded
    for the first time, how many of all those passed, and how many still wait for a person."""

    overdue_closed: int
    ungraded_graded: int
    passed: int
    awaiting_manual: int


class GradeImportReport(msgspec.Struct, frozen=True, kw_only=True):
    """What an import of grades did: grades applied, attempts changed, attempts that became fully
    graded, and how many of those passed."""

    quiz_id: UUID
    grades_applied: int
    attempts_updated: int
    attempts_now_graded: int
    passed_now: int


class GradeRecordView(msgspec.Struct, frozen=True, kw_only=True):
    """One question of one closed attempt. The first four fields are what a grades file imports;
    `points` is null while the question waits for a person (`graded_by` `pending`)."""

    attempt_id: UUID
    question_id: UUID
    points: Decimal | None
    feedback: str | None
    max_points: Decimal
    graded_by: Literal["auto", "manual", "pending"]
    question_type: QuestionType
    answer: AnswerValue
    attempt_number: int
    attempt_status: AttemptStatus
    student_id: UUID
    student_email: str
    student_name: str
