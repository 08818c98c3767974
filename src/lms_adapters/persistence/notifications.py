"""The record of sent notifications, and the queries that find who the scheduled e-mails are for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.models import courses, enrollments, sent_notifications, users
from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.notifications.entities import CourseInProgress, InactiveEnrollment, NotificationKey, NotificationKind
from lms_core.shared.ids import UserId, new_id

_ACTIVE = EnrollmentStatus.ACTIVE.value


class SqlSentNotificationRepository:
    """Implements `SentNotificationRepository`.

    A claim is an insert that does nothing on the unique (kind, subject, period) key: on PostgreSQL a
    concurrent claim of the same key waits for the first transaction and then finds the row; on SQLite
    writers are serialised. Either way exactly one claim wins.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def claim(self, key: NotificationKey, *, user_id: UserId, now: datetime) -> bool:
        dialect_insert: Any = postgresql.insert if self._c.dialect.name == "postgresql" else sqlite.insert
        statement = (
            dialect_insert(sent_notifications)
            .values(
                id=new_id(),
                kind=key.kind.value,
                subject_id=key.subject_id,
                period=key.period,
                user_id=user_id,
                sent_at=now,
            )
            .on_conflict_do_nothing(index_elements=["kind", "subject_id", "period"])
            .returning(sent_notifications.c.id)
        )
        return (await self._c.execute(statement)).first() is not None

    async def is_claimed(self, key: NotificationKey) -> bool:
        found = await self._c.execute(
            select(sent_notifications.c.id).where(
                sent_notifications.c.kind == key.kind.value,
                sent_notifications.c.subject_id == key.subject_id,
                sent_notifications.c.period == key.period,
            )
        )
        return found.first() is not None

    async def weekly_candidates(self, week: str) -> list[UserId]:
        studying = exists().where(enrollments.c.student_id == users.c.id, enrollments.c.status == _ACTIVE)
        summarised = exists().where(
            sent_notifications.c.kind == NotificationKind.WEEKLY_PROGRESS.value,
            sent_notifications.c.subject_id == users.c.id,
            sent_notifications.c.period == week,
        )
        rows = await self._c.execute(
            select(users.c.id).where(users.c.is_active.is_(True), studying, ~summarised).order_by(users.c.id)
        )
        return [UserId(user_id) for user_id in rows.scalars()]

    async def courses_in_progress(self, user_id: UserId) -> list[CourseInProgress]:
        rows = await self._c.execute(
            select(
                enrollments.c.id,
                enrollments.c.course_id,
                courses.c.title,
                enrollments.c.progress_bp,
                enrollments.c.completed_lessons_count,
                enrollments.c.total_lessons_count,
            )
            .join(courses, courses.c.id == enrollments.c.course_id)
            .where(enrollments.c.student_id == user_id, enrollments.c.status == _ACTIVE)
            .order_by(courses.c.title, enrollments.c.id)
        )
        return [
            CourseInProgress(
                enrollment_id=row.id,
                course_id=row.course_id,
                course_title=row.title,
                progress_bp=row.progress_bp,
                completed_lessons=row.completed_lessons_count,
                total_lessons=row.total_lessons_count,
            )
            for row in rows
        ]

    async def inactive_enrollments(self, *, inactive_before: datetime) -> list[InactiveEnrollment]:
        inactive_since = func.coalesce(enrollments.c.last_accessed_at, enrollments.c.enrolled_at)
        reminded = exists().where(
            sent_notifications.c.kind == NotificationKind.COURSE_REMINDER.value,
            sent_notifications.c.subject_id == enrollments.c.id,
            sent_notifications.c.sent_at >= inactive_since,
        )
        rows = await self._c.execute(
            select(
                enrollments.c.id, enrollments.c.student_id, enrollments.c.last_accessed_at, enrollments.c.enrolled_at
            )
            .join(users, and_(users.c.id == enrollments.c.student_id, users.c.is_active.is_(True)))
            .where(enrollments.c.status == _ACTIVE, inactive_since <= inactive_before, ~reminded)
            .order_by(enrollments.c.id)
        )
        return [
            InactiveEnrollment(
                enrollment_id=row.id,
                student_id=UserId(row.student_id),
                inactive_since=row.last_accessed_at or row.enrolled_at,
            )
            for row in rows
        ]
