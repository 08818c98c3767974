"""Tables of the assessment context: quizzes, questions, attempts and the regrade audit.

Points are stored in hundredths (integers) and percentages in basis points, so grading stays exact
on both databases. An attempt stores its own frozen copy of its questions (order, option order,
points and answer key), so editing a quiz never changes attempts already taken.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from lms_adapters.persistence.metadata import metadata
from lms_adapters.persistence.types import JsonDocument, UtcDateTime

quizzes = Table(
    "quizzes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("lesson_id", Uuid, ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(255), nullable=False),
    Column("description", Text, nullable=True),
    Column("quiz_type", String(20), nullable=False),
    Column("passing_score", Integer, nullable=False),
    Column("time_limit_minutes", Integer, nullable=True),
    Column("max_attempts", Integer, nullable=True),
    Column("shuffle_questions", Boolean, nullable=False),
    Column("shuffle_options", Boolean, nullable=False),
    Column("show_correct_answers", Boolean, nullable=False),
    Column("is_published", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("quiz_type IN ('practice', 'graded')", name="quiz_type"),
    CheckConstraint("passing_score >= 0 AND passing_score <= 100", name="passing_score"),
    Index(None, "course_id"),
)

quiz_questions = Table(
    "quiz_questions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("quiz_id", Uuid, ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False),
    Column("question_type", String(20), nullable=False),
    Column("question_text", Text, nullable=False),
    Column("points_centi", Integer, nullable=False),
    Column("order_index", Integer, nullable=False),
    Column("explanation", Text, nullable=True),
    Column("options", JsonDocument, nullable=True),
    Column("correct_answers", JsonDocument, nullable=True),
    Column("partial_credit", Boolean, nullable=False),
    Column("question_metadata", JsonDocument, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(
        "question_type IN ('multiple_choice', 'true_false', 'short_answer', 'essay')", name="question_type"
    ),
    CheckConstraint("points_centi > 0", name="points"),
    Index(None, "quiz_id", "order_index"),
)

quiz_attempts = Table(
    "quiz_attempts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("quiz_id", Uuid, ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False),
    Column("enrollment_id", Uuid, ForeignKey("enrollments.id", ondelete="CASCADE"), nullable=False),
    Column("student_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("attempt_number", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("deadline_at", UtcDateTime, nullable=True),
    Column("submitted_at", UtcDateTime, nullable=True),
    Column("graded_at", UtcDateTime, nullable=True),
    # The attempt allowance in force when the attempt started (room for per-learner accommodations).
    Column("attempts_allowed", Integer, nullable=True),
    Column("passing_score", Integer, nullable=False),
    Column("score_centi", Integer, nullable=True),
    Column("max_score_centi", Integer, nullable=False),
    Column("percentage_bp", Integer, nullable=True),
    Column("is_passed", Boolean, nullable=True),
    Column("time_taken_seconds", Integer, nullable=True),
    # Frozen question list: ids, order, option order, points and answer key.
    Column("questions", JsonDocument, nullable=False),
    Column("answers", JsonDocument, nullable=False),
    # Per-question outcome: points awarded, correctness, feedback, who graded it.
    Column("results", JsonDocument, nullable=True),
    CheckConstraint("status IN ('in_progress', 'submitted', 'graded')", name="status"),
    # At most `max_attempts` attempts: attempt numbers are unique per enrolment and quiz.
    UniqueConstraint("enrollment_id", "quiz_id", "attempt_number"),
    # At most one attempt in progress per enrolment and quiz.
    Index(
        "uq_quiz_attempts_one_open",
        "enrollment_id",
        "quiz_id",
        unique=True,
        sqlite_where=text("status = 'in_progress'"),
        postgresql_where=text("status = 'in_progress'"),
    ),
    Index(None, "quiz_id", "status"),
    # Batch grading walks a quiz's attempts in id order (keyset pagination) without sorting them all.
    Index(None, "quiz_id", "id"),
    Index(None, "student_id", "quiz_id"),
)

grade_audit = Table(
    "grade_audit",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("attempt_id", Uuid, ForeignKey("quiz_attempts.id", ondelete="CASCADE"), nullable=False),
    Column("quiz_id", Uuid, ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(50), nullable=False),
    Column("old_score_centi", Integer, nullable=True),
    Column("new_score_centi", Integer, nullable=True),
    Column("old_passed", Boolean, nullable=True),
    Column("new_passed", Boolean, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "quiz_id", "created_at"),
    Index(None, "attempt_id"),
)
