"""learning: courses, lessons, enrolments, lesson progress

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 02:25:23.627467
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lms_adapters.persistence.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "courses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("instructor_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("difficulty_level", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("thumbnail_url", sa.String(length=500), nullable=True),
        sa.Column("estimated_duration_minutes", sa.Integer(), nullable=True),
        sa.Column(
            "course_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lesson_count", sa.Integer(), nullable=False),
        sa.Column("enrollment_count", sa.Integer(), nullable=False),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("rating_average_centi", sa.Integer(), nullable=False),
        sa.Column("published_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "difficulty_level IS NULL OR difficulty_level IN ('beginner', 'intermediate', 'advanced')",
            name=op.f("ck_courses_difficulty"),
        ),
        sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name=op.f("ck_courses_status")),
        sa.CheckConstraint("price_minor >= 0", name=op.f("ck_courses_price")),
        sa.ForeignKeyConstraint(
            ["instructor_id"], ["users.id"], name=op.f("fk_courses_instructor_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("slug", name=op.f("uq_courses_slug")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_courses_instructor_id_status_created_at"),
            ["instructor_id", "status", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_courses_status_category_created_at"), ["status", "category", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_courses_status_created_at"), ["status", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_courses_status_difficulty_level_created_at"),
            ["status", "difficulty_level", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_courses_status_enrollment_count"), ["status", "enrollment_count"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_courses_status_price_minor_created_at"),
            ["status", "price_minor", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_courses_status_rating_average_centi"), ["status", "rating_average_centi"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_courses_status_title"), ["status", "title"], unique=False)

    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("enrolled_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("started_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("dropped_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("progress_bp", sa.Integer(), nullable=False),
        sa.Column("completed_lessons_count", sa.Integer(), nullable=False),
        sa.Column("total_lessons_count", sa.Integer(), nullable=False),
        sa.Column("total_time_spent_seconds", sa.BigInteger(), nullable=False),
        sa.Column("last_accessed_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("certificate_issued_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("review", sa.Text(), nullable=True),
        sa.Column("reviewed_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'completed', 'dropped', 'expired')", name=op.f("ck_enrollments_status")
        ),
        sa.CheckConstraint("progress_bp >= 0 AND progress_bp <= 10000", name=op.f("ck_enrollments_progress")),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name=op.f("ck_enrollments_rating")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_enrollments_course_id_courses"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["users.id"], name=op.f("fk_enrollments_student_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        sa.UniqueConstraint("student_id", "course_id", name=op.f("uq_enrollments_student_id_course_id")),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollments_course_id_status"), ["course_id", "status"], unique=False)

    op.create_table(
        "lessons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("lesson_type", sa.String(length=20), nullable=False),
        sa.Column("order_index", sa.Integer(), nullable=False),
        sa.Column("parent_lesson_id", sa.Uuid(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("video_url", sa.String(length=500), nullable=True),
        sa.Column("is_preview", sa.Boolean(), nullable=False),
        sa.Column("is_required", sa.Boolean(), nullable=False),
        sa.Column(
            "lesson_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "lesson_type IN ('video', 'text', 'quiz', 'assignment')", name=op.f("ck_lessons_lesson_type")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_lessons_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_lesson_id"], ["lessons.id"], name=op.f("fk_lessons_parent_lesson_id_lessons"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
        sa.UniqueConstraint("course_id", "slug", name=op.f("uq_lessons_course_id_slug")),
    )
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lessons_course_id_parent_lesson_id_order_index"),
            ["course_id", "parent_lesson_id", "order_index"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_lessons_parent_lesson_id"), ["parent_lesson_id"], unique=False)

    op.create_table(
        "lesson_progress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", lms_adapters.persistence.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("time_spent_seconds", sa.BigInteger(), nullable=False),
        sa.Column("last_position_seconds", sa.Integer(), nullable=False),
        sa.Column("completion_bp", sa.Integer(), nullable=False),
        sa.Column("attempts_count", sa.Integer(), nullable=False),
        sa.Column(
            "progress_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'completed')", name=op.f("ck_lesson_progress_status")
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_lesson_progress_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_lesson_progress_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_progress")),
        sa.UniqueConstraint("enrollment_id", "lesson_id", name=op.f("uq_lesson_progress_enrollment_id_lesson_id")),
    )
    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_progress_lesson_id"), ["lesson_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_progress_lesson_id"))

    op.drop_table("lesson_progress")
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lessons_parent_lesson_id"))
        batch_op.drop_index(batch_op.f("ix_lessons_course_id_parent_lesson_id_order_index"))

    op.drop_table("lessons")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollments_course_id_status"))

    op.drop_table("enrollments")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_status_title"))
        batch_op.drop_index(batch_op.f("ix_courses_status_rating_average_centi"))
        batch_op.drop_index(batch_op.f("ix_courses_status_price_minor_created_at"))
        batch_op.drop_index(batch_op.f("ix_courses_status_enrollment_count"))
        batch_op.drop_index(batch_op.f("ix_courses_status_difficulty_level_created_at"))
        batch_op.drop_index(batch_op.f("ix_courses_status_created_at"))
        batch_op.drop_index(batch_op.f("ix_courses_status_category_created_at"))
        batch_op.drop_index(batch_op.f("ix_courses_instructor_id_status_created_at"))

    op.drop_table("courses")
