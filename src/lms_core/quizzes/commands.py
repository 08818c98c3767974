"""Inputs of the quizzes module."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec

from lms_core.quizzes.entities import QuestionType, QuizType
from lms_core.shared.commands import Command
from lms_core.shared.pagination import PageRequest
from lms_core.shared.text import MultiLineText, SingleLineText

# authoring -----------------------------------------------------------------------------------------

QuizTitle = Annotated[SingleLineText, msgspec.Meta(min_length=1, max_length=255)]
QuizDescription = Annotated[MultiLineText, msgspec.Meta(max_length=20_000)]
PassingScore = Annotated[int, msgspec.Meta(ge=0, le=100, description="percentage needed to pass")]
# Up to 30 days: long enough for a take-home exam, short enough to stay a deadline.
TimeLimit = Annotated[int, msgspec.Meta(ge=1, le=43_200)]
MaxAttempts = Annotated[int, msgspec.Meta(ge=1, le=1000)]
QuestionText = Annotated[MultiLineText, msgspec.Meta(min_length=1, max_length=20_000)]
QuestionExplanation = Annotated[MultiLineText, msgspec.Meta(max_length=20_000)]
OptionText = Annotated[MultiLineText, msgspec.Meta(max_length=1000)]
# How many options a question has is a rule of `Question.validate()` (a clear `InvalidQuestion`);
# the bound here only keeps absurd payloads out.
OptionList = Annotated[list[OptionText], msgspec.Meta(max_length=100)]
AnswerKeyList = Annotated[list[OptionText], msgspec.Meta(max_length=100)]
QuestionPosition = Annotated[int, msgspec.Meta(ge=0, le=10_000)]


class CreateQuiz(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The quiz of one `quiz` lesson of the course. `max_attempts` null means unlimited attempts."""

    lesson_id: UUID
    title: QuizTitle
    description: QuizDescription | None = None
    quiz_type: QuizType = QuizType.GRADED
    passing_score: PassingScore = 70
    time_limit_minutes: TimeLimit | None = None
    max_attempts: MaxAttempts | None = None
    shuffle_questions: bool = True
    shuffle_options: bool = True
    show_correct_answers: bool = True


class UpdateQuiz(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Absent fields stay as they are; null clears a time limit or an attempt limit. Attempts already
    started keep the settings they started with."""

    title: QuizTitle | msgspec.UnsetType = msgspec.UNSET
    description: QuizDescription | msgspec.UnsetType | None = msgspec.UNSET
    quiz_type: QuizType | msgspec.UnsetType = msgspec.UNSET
    passing_score: PassingScore | msgspec.UnsetType = msgspec.UNSET
    time_limit_minutes: TimeLimit | msgspec.UnsetType | None = msgspec.UNSET
    max_attempts: MaxAttempts | msgspec.UnsetType | None = msgspec.UNSET
    shuffle_questions: bool | msgspec.UnsetType = msgspec.UNSET
    shuffle_options: bool | msgspec.UnsetType = msgspec.UNSET
    show_correct_answers: bool | msgspec.UnsetType = msgspec.UNSET


class AddQuestion(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A question and its answer key.

    - `multiple_choice`: 2 to 10 distinct `options`; `correct_answers` names one or more of them
      (or `correct_answer`, one option, as a short-hand); `partial_credit` gives a share of the points
      for each right choice when several are correct.
    - `true_false`: `correct_answer` true or false.
    - `short_answer`: optional accepted answers (matched ignoring case and spacing); without any, a
      person grades it.
    - `essay`: always graded by a person.

    `points` is a positive number with at most two decimals. `order_index` (0-based) inserts the
    question at that position; absent, it is appended.
    """

    question_type: QuestionType
    question_text: QuestionText
    points: Decimal = Decimal(1)
    options: OptionList | None = None
    correct_answers: AnswerKeyList | None = None
    correct_answer: OptionText | bool | None = None
    partial_credit: bool = False
    explanation: QuestionExplanation | None = None
    order_index: QuestionPosition | None = None
    question_metadata: dict[str, Any] | None = None


class UpdateQuestion(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Absent fields stay as they are; the result must still be a valid question of its type.
    Attempts already started keep the copy of the question they were given."""

    question_type: QuestionType | msgspec.UnsetType = msgspec.UNSET
    question_text: QuestionText | msgspec.UnsetType = msgspec.UNSET
    points: Decimal | msgspec.UnsetType = msgspec.UNSET
    options: OptionList | msgspec.UnsetType | None = msgspec.UNSET
    correct_answers: AnswerKeyList | msgspec.UnsetType | None = msgspec.UNSET
    correct_answer: OptionText | bool | msgspec.UnsetType = msgspec.UNSET
    partial_credit: bool | msgspec.UnsetType = msgspec.UNSET
    explanation: QuestionExplanation | msgspec.UnsetType | None = msgspec.UNSET
    question_metadata: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET


class ReorderQuestions(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The complete new order of a quiz's questions: every question id exactly once."""

    question_ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=10_000)]


# attempts ------------------------------------------------------------------------------------------

# Short answers and essays (bounded by the request body size).
EssayText = MultiLineText
# One option's text or several (multiple choice), true or false, or text (short answer, essay); null
# leaves the question unanswered. Whether it fits its question is checked against the attempt's copy.
AnswerValue = Annotated[list[OptionText], msgspec.Meta(max_length=100)] | EssayText | bool | None
FeedbackText = Annotated[MultiLineText, msgspec.Meta(max_length=5000)]


class AnswerItem(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    question_id: UUID
    answer: AnswerValue = None


class AnswerSheet(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Answers to an attempt's questions, each question at most once. Saving a draft replaces the saved
    answers; submitting grades these answers. Questions left out are unanswered."""

    answers: Annotated[list[AnswerItem], msgspec.Meta(max_length=1000)] = []


class ManualGrade(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A person's grade for one question: `points` from 0 to the question's points, two decimals at most."""

    question_id: UUID
    points: Decimal
    feedback: FeedbackText | None = None


class GradeAttempt(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    grades: Annotated[list[ManualGrade], msgspec.Meta(min_length=1, max_length=1000)]


class ListMyAttempts(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A page of the caller's attempts at a quiz."""


# batch grading -------------------------------------------------------------------------------------

GradeFileCell = Annotated[MultiLineText, msgspec.Meta(max_length=20_000)]


class RegradeQuiz(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Recompute every closed attempt of a quiz from the quiz's current answer key. With `dry_run`,
    report what would change and change nothing."""

    quiz_id: UUID
    dry_run: bool = False


class GradePending(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Close attempts whose time is up and grade submitted attempts never graded: of one quiz, of the
    quizzes of one course, or (admins) of every quiz."""

    course_id: UUID | None = None
    quiz_id: UUID | None = None


class ImportedGrade(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One line of a grades file, as text. `import_grades` checks every line and reports each problem
    with its line number, so nothing is parsed before it."""

    line: Annotated[int, msgspec.Meta(ge=1)]
    attempt_id: GradeFileCell
    question_id: GradeFileCell
    points: GradeFileCell
    feedback: GradeFileCell | None = None


class ImportGrades(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A person's grades for questions of a quiz's attempts; all of them are applied, or none."""

    quiz_id: UUID
    grades: Annotated[list[ImportedGrade], msgspec.Meta(max_length=1_000_000)]


class ExportGrades(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every question of every closed attempt of a quiz, or with `pending_only` those awaiting a person."""

    quiz_id: UUID
    pending_only: bool = False
