"""Tables of the learning context: courses, lessons, enrolments and lesson progress.

Percentages are stored as integer basis points (0-10000) and money as integer minor units, so both
databases keep them exact.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
)

from lms_adapters.persistence.metadata import metadata
from lms_adapters.persistence.types import JsonDocument, UtcDateTime

courses = Table(
    "courses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", String(255), nullable=False),
    Column("slug", String(255), nullable=False, unique=True),
    Column("description", Text, nullable=True),
    Column("instructor_id", Uuid, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
    Column("category", String(100), nullable=True),
    Column("difficulty_level", String(20), nullable=True),
    Column("status", String(20), nullable=False),
    Column("thumbnail_url", String(500), nullable=True),
    Column("estimated_duration_minutes", Integer, nullable=True),
    Column("course_metadata", JsonDocument, nullable=True),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lesson_count", Integer, nullable=False),
    Column("enrollment_count", Integer, nullable=False),
    Column("rating_count", Integer, nullable=False),
    Column("rating_sum", Integer, nullable=False),
    # Average rating in hundredths, kept beside sum and count so the catalogue can sort by it with an index.
    Column("rating_average_centi", Integer, nullable=False),
    Column("published_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
    CheckConstraint(
        "difficulty_level IS NULL OR difficulty_level IN ('beginner', 'intermediate', 'advanced')", name="difficulty"
    ),
    CheckConstraint("price_minor >= 0", name="price"),
    Index(None, "status", "created_at"),
    Index(None, "status", "category", "created_at"),
    Index(None, "status", "difficulty_level", "created_at"),
    Index(None, "status", "price_minor", "created_at"),
    Index(None, "status", "title"),
    Index(None, "status", "rating_average_centi"),
    Index(None, "status", "enrollment_count"),
    Index(None, "instructor_id", "status", "created_at"),
)

lessons = Table(
    "lessons",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(255), nullable=False),
    Column("slug", String(255), nullable=False),
    Column("description", Text, nullable=True),
    Column("content", Text, nullable=True),
    Column("lesson_type", String(20), nullable=False),
    Column("order_index", Integer, nullable=False),
    Column("parent_lesson_id", Uuid, ForeignKey("lessons.id", ondelete="RESTRICT"), nullable=True),
    Column("duration_minutes", Integer, nullable=True),
    Column("video_url", String(500), nullable=True),
    Column("is_preview", Boolean, nullable=False),
    Column("is_required", Boolean, nullable=False),
    Column("lesson_metadata", JsonDocument, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("lesson_type IN ('video', 'text', 'quiz', 'assignment')", name="lesson_type"),
    UniqueConstraint("course_id", "slug"),
    Index(None, "course_id", "parent_lesson_id", "order_index"),
    Index(None, "parent_lesson_id"),
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("student_id", Uuid, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="RESTRICT"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("enrolled_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=True),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("dropped_at", UtcDateTime, nullable=True),
    Column("progress_bp", Integer, nullable=False),
    Column("completed_lessons_count", Integer, nullable=False),
    Column("total_lessons_count", Integer, nullable=False),
    Column("total_time_spent_seconds", BigInteger, nullable=False),
    Column("last_accessed_at", UtcDateTime, nullable=True),
    Column("certificate_issued_at", UtcDateTime, nullable=True),
    Column("rating", Integer, nullable=True),
    Column("review", Text, nullable=True),
    Column("reviewed_at", UtcDateTime, nullable=True),
    # What grants the course: free, a payment or a subscription (whose id is `access_ref`).
    Column("access_source", String(20), nullable=False, server_default="free"),
    Column("access_ref", Uuid, nullable=True),
    CheckConstraint("status IN ('active', 'completed', 'dropped', 'expired')", name="status"),
    CheckConstraint("access_source IN ('free', 'subscription', 'payment')", name="access_source"),
    CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
    CheckConstraint("progress_bp >= 0 AND progress_bp <= 10000", name="progress"),
    # One enrolment per student and course: concurrent enrol requests cannot both insert.
    UniqueConstraint("student_id", "course_id"),
    Index(None, "course_id", "status"),
    Index(None, "access_ref"),
)

lesson_progress = Table(
    "lesson_progress",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("enrollment_id", Uuid, ForeignKey("enrollments.id", ondelete="CASCADE"), nullable=False),
    Column("lesson_id", Uuid, ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=True),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("time_spent_seconds", BigInteger, nullable=False),
    Column("last_position_seconds", Integer, nullable=False),
    Column("completion_bp", Integer, nullable=False),
    Column("attempts_count", Integer, nullable=False),
    Column("progress_metadata", JsonDocument, nullable=True),
    CheckConstraint("status IN ('not_started', 'in_progress', 'completed')", name="status"),
    UniqueConstraint("enrollment_id", "lesson_id"),
    Index(None, "lesson_id"),
)
