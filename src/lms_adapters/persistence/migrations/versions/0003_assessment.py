"""assessment: quizzes, questions, attempts, grade audit

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 02:42:45.005698
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lms_adapters.persistence.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "quizzes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("quiz_type", sa.String(length=20), nullable=False),
        sa.Column("passing_score", sa.Integer(), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=True),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("shuffle_questions", sa.Boolean(), nullable=False),
        sa.Column("shuffle_options", sa.Boolean(), nullable=False),
        sa.Column("show_correct_answers", sa.Boolean(), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("created_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quiz_type IN ('practice', 'graded')", name=op.f("ck_quizzes_quiz_type")),
        sa.CheckConstraint("passing_score >= 0 AND passing_score <= 100", name=op.f("ck_quizzes_passing_score")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_quizzes_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_quizzes_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quizzes")),
        sa.UniqueConstraint("lesson_id", name=op.f("uq_quizzes_lesson_id")),
    )
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quizzes_course_id"), ["course_id"], unique=False)

    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("attempt_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("graded_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts_allowed", sa.Integer(), nullable=True),
        sa.Column("passing_score", sa.Integer(), nullable=False),
        sa.Column("score_centi", sa.Integer(), nullable=True),
        sa.Column("max_score_centi", sa.Integer(), nullable=False),
        sa.Column("percentage_bp", sa.Integer(), nullable=True),
        sa.Column("is_passed", sa.Boolean(), nullable=True),
        sa.Column("time_taken_seconds", sa.Integer(), nullable=True),
        sa.Column(
            "questions", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "answers", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "results", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.CheckConstraint("status IN ('in_progress', 'submitted', 'graded')", name=op.f("ck_quiz_attempts_status")),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_quiz_attempts_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_attempts_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["users.id"], name=op.f("fk_quiz_attempts_student_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
        sa.UniqueConstraint(
            "enrollment_id",
            "quiz_id",
            "attempt_number",
            name=op.f("uq_quiz_attempts_enrollment_id_quiz_id_attempt_number"),
        ),
    )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_attempts_quiz_id_status"), ["quiz_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_attempts_quiz_id_id"), ["quiz_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quiz_attempts_student_id_quiz_id"), ["student_id", "quiz_id"], unique=False
        )
        batch_op.create_index(
            "uq_quiz_attempts_one_open",
            ["enrollment_id", "quiz_id"],
            unique=True,
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        )

    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("question_type", sa.String(length=20), nullable=False),
        sa.Column("question_text", sa.Text(), nullable=False),
        sa.Column("points_centi", sa.Integer(), nullable=False),
        sa.Column("order_index", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column(
            "options", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column(
            "correct_answers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("partial_credit", sa.Boolean(), nullable=False),
        sa.Column(
            "question_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "question_type IN ('multiple_choice', 'true_false', 'short_answer', 'essay')",
            name=op.f("ck_quiz_questions_question_type"),
        ),
        sa.CheckConstraint("points_centi > 0", name=op.f("ck_quiz_questions_points")),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_questions_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_questions")),
    )
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quiz_questions_quiz_id_order_index"), ["quiz_id", "order_index"], unique=False
        )

    op.create_table(
        "grade_audit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=50), nullable=False),
        sa.Column("old_score_centi", sa.Integer(), nullable=True),
        sa.Column("new_score_centi", sa.Integer(), nullable=True),
        sa.Column("old_passed", sa.Boolean(), nullable=True),
        sa.Column("new_passed", sa.Boolean(), nullable=True),
        sa.Column("created_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_grade_audit_attempt_id_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_grade_audit_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_audit")),
    )
    with op.batch_alter_table("grade_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grade_audit_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grade_audit_quiz_id_created_at"), ["quiz_id", "created_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("grade_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grade_audit_quiz_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_grade_audit_attempt_id"))

    op.drop_table("grade_audit")
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_questions_quiz_id_order_index"))

    op.drop_table("quiz_questions")
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_quiz_attempts_one_open",
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        )
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_student_id_quiz_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_quiz_id_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_quiz_id_status"))

    op.drop_table("quiz_attempts")
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quizzes_course_id"))

    op.drop_table("quizzes")
