"""The enrolment repository.

Every state change is a conditional update or an upsert computed in the database, so concurrent
requests cannot lose each other's progress; aggregates are recomputed with correlated subqueries in
a fixed number of statements, whatever the number of lessons or learners.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, Update, bindparam, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.courses import to_course
from lms_adapters.persistence.lesson_progress import utc_literal
from lms_adapters.persistence.models import courses, enrollments, lesson_progress, lessons, users
from lms_adapters.persistence.paging import fetch_page
from lms_core.courses.entities import Course
from lms_core.enrollments.commands import ListCourseEnrollments, ListMyEnrollments
from lms_core.enrollments.entities import (
    FULL,
    PROGRESS_STATUSES,
    AccessSource,
    Enrollment,
    EnrollmentStatus,
    ProgressStatus,
)
from lms_core.enrollments.ports import CourseEnrollmentFigures, EnrollmentWithStudent
from lms_core.shared.ids import UserId

_ACTIVE = EnrollmentStatus.ACTIVE.value
_COMPLETED = EnrollmentStatus.COMPLETED.value
_ENROLLED = (_ACTIVE, _COMPLETED)
_REACTIVATABLE = (EnrollmentStatus.DROPPED.value, EnrollmentStatus.EXPIRED.value)
# What ending a grant expires: a dropped enrolment too, or its learner could take it up again on a refunded
# payment's strength.
_GRANTED = (*_ENROLLED, EnrollmentStatus.DROPPED.value)
_LESSON_COMPLETED = ProgressStatus.COMPLETED.value

# Built once: a new `insert().values(row)` per enrolment would cost more CPU than running it.
_INSERT = insert(enrollments)
# Statements of the paths that run for every enrolment (a purchase, an enrolment, a lesson done), built once
# with their values as parameters: building them on each call, with their correlated subqueries, costs
# several times what running them does.
_FIND = select(enrollments).where(
    enrollments.c.student_id == bindparam("student_id"), enrollments.c.course_id == bindparam("course_id")
)

_PLAIN = ("id", "course_id", "enrolled_at", "started_at", "completed_at", "dropped_at", "progress_bp",
          "completed_lessons_count", "total_lessons_count", "total_time_spent_seconds", "last_accessed_at",
          "certificate_issued_at", "rating", "review", "reviewed_at", "access_ref")  # fmt: skip


def _to_enrollment(m: Any) -> Enrollment:
    return Enrollment(
        student_id=UserId(m["student_id"]),
        status=EnrollmentStatus(m["status"]),
        access_source=AccessSource(m["access_source"]),
        **{name: m[name] for name in _PLAIN},
    )


def _values(enrollment: Enrollment) -> dict[str, Any]:
    values = {name: getattr(enrollment, name) for name in (*_PLAIN, "student_id")}
    values["status"] = enrollment.status.value
    values["access_source"] = enrollment.access_source.value
    return values


class SqlEnrollmentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, enrollment: Enrollment) -> None:
        # One statement built once, the row as its parameters (see `_INSERT`).
        await self._c.execute(_INSERT, _values(enrollment))

    async def get(self, enrollment_id: UUID) -> Enrollment | None:
        row = (await self._c.execute(select(enrollments).where(enrollments.c.id == enrollment_id))).first()
        return _to_enrollment(row._mapping) if row else None

    async def get_for_update(self, enrollment_id: UUID) -> Enrollment | None:
        # SQLite serialises writers with BEGIN IMMEDIATE; PostgreSQL needs the row lock.
        row = (
            await self._c.execute(select(enrollments).where(enrollments.c.id == enrollment_id).with_for_update())
        ).first()
        return _to_enrollment(row._mapping) if row else None

    async def lock(self, enrollment_ids: Sequence[UUID]) -> None:
        if self._c.dialect.name == "postgresql" and enrollment_ids:
            e = enrollments.c
            await self._c.execute(select(e.id).where(e.id.in_(list(enrollment_ids))).order_by(e.id).with_for_update())

    async def find(self, student_id: UserId, course_id: UUID) -> Enrollment | None:
        row = (await self._c.execute(_FIND, {"student_id": student_id, "course_id": course_id})).first()
        return _to_enrollment(row._mapping) if row else None

    async def is_learner(self, student_id: UserId, course_id: UUID) -> bool:
        row = (
            await self._c.execute(
                select(enrollments.c.id).where(
                    enrollments.c.student_id == student_id,
                    enrollments.c.course_id == course_id,
                    enrollments.c.status.in_([s.value for s in PROGRESS_STATUSES]),
                )
            )
        ).first()
        return row is not None

    async def reactivate(
        self, enrollment_id: UUID, *, now: datetime, source: AccessSource = AccessSource.FREE, ref: UUID | None = None
    ) -> bool:
        result = await self._c.execute(
            update(enrollments)
            .where(enrollments.c.id == enrollment_id, enrollments.c.status.in_(_REACTIVATABLE))
            .values(
                status=_ACTIVE,
                enrolled_at=now,
                dropped_at=None,
                completed_at=None,
                access_source=source.value,
                access_ref=ref,
            )
        )
        return result.rowcount == 1

    async def set_access(self, enrollment_id: UUID, *, source: AccessSource, ref: UUID | None) -> None:
        await self._c.execute(
            update(enrollments)
            .where(enrollments.c.id == enrollment_id)
            .values(access_source=source.value, access_ref=ref)
        )

    async def granted_by(self, source: AccessSource, ref: UUID) -> list[Enrollment]:
        rows = await self._c.execute(
            select(enrollments)
            .where(
                enrollments.c.access_source == source.value,
                enrollments.c.access_ref == ref,
                enrollments.c.status.in_(_GRANTED),
            )
            .order_by(enrollments.c.id)
            .with_for_update()
        )
        return [_to_enrollment(row._mapping) for row in rows]

    async def expire(self, enrollment_ids: Collection[UUID], *, now: datetime) -> set[UUID]:
        if not enrollment_ids:
            return set()
        result = await self._c.execute(
            update(enrollments)
            .where(enrollments.c.id.in_(list(enrollment_ids)), enrollments.c.status.in_(_GRANTED))
            .values(status=EnrollmentStatus.EXPIRED.value, dropped_at=now)
            .returning(enrollments.c.id)
        )
        return set(result.scalars())

    async def mark_all_completed(self, enrollment_ids: Collection[UUID], *, now: datetime) -> set[UUID]:
        if not enrollment_ids:
            return set()
        result = await self._c.execute(
            update(enrollments)
            .where(enrollments.c.id.in_(list(enrollment_ids)), enrollments.c.status == _ACTIVE)
            .values(status=_COMPLETED, completed_at=now)
            .returning(enrollments.c.id)
        )
        return set(result.scalars())

    async def mark_dropped(self, enrollment_id: UUID, *, now: datetime) -> bool:
        result = await self._c.execute(
            update(enrollments)
            .where(enrollments.c.id == enrollment_id, enrollments.c.status == _ACTIVE)
            .values(status=EnrollmentStatus.DROPPED.value, dropped_at=now)
        )
        return result.rowcount == 1

    async def record_review(self, enrollment_id: UUID, *, rating: int, review: str | None, now: datetime) -> bool:
        result = await self._c.execute(
            update(enrollments)
            .where(enrollments.c.id == enrollment_id, enrollments.c.status.in_(_ENROLLED))
            .values(rating=rating, review=review, reviewed_at=now)
        )
        return result.rowcount == 1

    async def record_activity(self, enrollment_id: UUID, *, add_seconds: int, now: datetime) -> None:
        e = enrollments.c
        await self._c.execute(
            update(enrollments)
            .where(e.id == enrollment_id)
            .values(
                total_time_spent_seconds=e.total_time_spent_seconds + add_seconds,
                last_accessed_at=now,
                started_at=func.coalesce(e.started_at, utc_literal(now)),
            )
        )

    async def exists_for_course(self, course_id: UUID) -> bool:
        row = (
            await self._c.execute(select(enrollments.c.id).where(enrollments.c.course_id == course_id).limit(1))
        ).first()
        return row is not None

    async def list_for_student(self, student_id: UserId, query: ListMyEnrollments) -> tuple[list[Enrollment], int]:
        conditions = [enrollments.c.student_id == student_id]
        if query.status is not None:
            conditions.append(enrollments.c.status == query.status.value)
        ordered = select(enrollments).order_by(enrollments.c.enrolled_at.desc(), enrollments.c.id.desc())
        rows, total = await fetch_page(
            self._c, ordered, table=enrollments, conditions=conditions, offset=query.offset, limit=query.limit
        )
        return [_to_enrollment(r._mapping) for r in rows], total

    async def list_for_course(
        self, course_id: UUID, query: ListCourseEnrollments
    ) -> tuple[list[EnrollmentWithStudent], int]:
        conditions = [enrollments.c.course_id == course_id]
        if query.status is not None:
            conditions.append(enrollments.c.status == query.status.value)
        ordered = (
            select(enrollments, users.c.full_name.label("student_name"), users.c.email.label("student_email"))
            .join(users, users.c.id == enrollments.c.student_id)
            .order_by(enrollments.c.enrolled_at.desc(), enrollments.c.id.desc())
        )
        rows, total = await fetch_page(
            self._c, ordered, table=enrollments, conditions=conditions, offset=query.offset, limit=query.limit
        )
        return [
            EnrollmentWithStudent(
                enrollment=_to_enrollment(r._mapping),
                student_name=r._mapping["student_name"],
                student_email=r._mapping["student_email"],
            )
            for r in rows
        ], total

    async def course_figures(self, course_id: UUID) -> CourseEnrollmentFigures:
        e = enrollments.c
        rows = await self._c.execute(
            select(
                e.status,
                func.count(),
                func.coalesce(func.sum(e.progress_bp), 0),
                func.count(e.rating),
                func.coalesce(func.sum(e.rating), 0),
            )
            .where(e.course_id == course_id)
            .group_by(e.status)
        )
        counts: dict[str, int] = {}
        progress_sum = rating_count = rating_sum = 0
        for status, count, progress, rated, rating in rows:
            counts[status] = int(count)
            progress_sum += int(progress)
            rating_count += int(rated)
            rating_sum += int(rating)
        total = sum(counts.values())
        average_rating_centi = (
            int((Decimal(rating_sum) / rating_count).quantize(Decimal("0.01")) * 100) if rating_count else None
        )
        return CourseEnrollmentFigures(
            counts_by_status=counts,
            average_progress_bp=progress_sum // total if total else 0,
            average_rating_centi=average_rating_centi,
            rating_count=rating_count,
        )

    async def courses_by_id(self, course_ids: Collection[UUID]) -> dict[UUID, Course]:
        rows = await self._c.execute(select(courses).where(courses.c.id.in_(list(course_ids))))
        return {r._mapping["id"]: to_course(r._mapping) for r in rows}

    async def refresh_progress(
        self, course_id: UUID, *, enrollment_ids: Collection[UUID] | None = None, held: bool = False
    ) -> list[Enrollment]:
        postgres = self._c.dialect.name == "postgresql"
        if enrollment_ids is None:
            params: dict[str, Any] = {"scope_course_id": course_id}
            if postgres:
                await self._c.execute(_REFRESH_ALL.lock, params)
            await self._c.execute(_REFRESH_ALL.update, params)
            rows = await self._c.execute(_REFRESH_ALL.finished, params)
            return [_to_enrollment(r._mapping) for r in rows]
        ids = list(enrollment_ids)
        if not ids:
            return []  # an empty IN list matches nothing
        # One enrolment (most calls) goes without an expanding IN list, whose SQL is rendered on each call.
        if len(ids) == 1:
            statements, params = _REFRESH_ONE, {"scope_course_id": course_id, "scope_id": ids[0]}
        else:
            statements, params = _REFRESH_SOME, {"scope_course_id": course_id, "ids": ids}
        if postgres and not held:
            await self._c.execute(statements.lock, params)
        # The rows are locked, by now, so what the UPDATE returns is what a SELECT after it would read: one
        # statement instead of two (a list of ids is short; the whole course's may not be, hence not there).
        updated = await self._c.execute(statements.update_returning, params)
        refreshed = sorted((_to_enrollment(r._mapping) for r in updated), key=lambda enrollment: enrollment.id)
        return [e for e in refreshed if e.progress_bp >= FULL and e.total_lessons_count > 0]

    async def update_course_counters(self, course_id: UUID) -> None:
        await self._c.execute(_UPDATE_COURSE_COUNTERS, {"counted_course_id": course_id})


class _RefreshStatements:
    """`refresh_progress`'s statements over one scope of enrolments, built once.

    On PostgreSQL the enrolments are locked first: an UPDATE that waits for a row lock re-checks the row but
    not its subqueries, which would count lessons from before the other transaction's commit. After the
    lock, the UPDATE is a new statement and sees that commit."""

    def __init__(self, *scope: Any) -> None:
        e = enrollments.c
        required = (
            select(func.count())
            .select_from(lessons)
            .where(lessons.c.course_id == e.course_id, lessons.c.is_required.is_(True))
            .scalar_subquery()
        )
        done = (
            select(func.count())
            .select_from(lesson_progress.join(lessons, lessons.c.id == lesson_progress.c.lesson_id))
            .where(
                lesson_progress.c.enrollment_id == e.id,
                lesson_progress.c.status == ProgressStatus.COMPLETED.value,
                lessons.c.course_id == e.course_id,
                lessons.c.is_required.is_(True),
            )
            .scalar_subquery()
        )
        self.lock: Select[Any] = select(e.id).where(*scope).order_by(e.id).with_for_update()
        self.update: Update = (
            update(enrollments)
            .where(*scope)
            .values(
                total_lessons_count=required,
                completed_lessons_count=done,
                # Integer division truncates: 100 % only when every required lesson is done.
                progress_bp=case((required > 0, done * FULL // required), else_=0),
            )
        )
        self.update_returning = self.update.returning(*enrollments.c)
        self.finished: Select[Any] = (
            select(enrollments).where(*scope, e.progress_bp >= FULL, e.total_lessons_count > 0).order_by(e.id)
        )


# Completed enrolments are final: lessons added later do not take them back to active.
_REFRESH_ALL = _RefreshStatements(
    enrollments.c.course_id == bindparam("scope_course_id"), enrollments.c.status == _ACTIVE
)
# The id list must drive the statement: given the course's (course_id, status) index, SQLite (without
# ANALYZE statistics) scans every active enrolment of the course instead, once per call. Wrapping the
# column keeps that index out of the plan; the condition stays the same.
_REFRESH_SOME = _RefreshStatements(
    enrollments.c.id.in_(bindparam("ids", expanding=True)),
    func.coalesce(enrollments.c.course_id, enrollments.c.course_id) == bindparam("scope_course_id"),
    enrollments.c.status == _ACTIVE,
)
_REFRESH_ONE = _RefreshStatements(
    enrollments.c.id == bindparam("scope_id"),
    func.coalesce(enrollments.c.course_id, enrollments.c.course_id) == bindparam("scope_course_id"),
    enrollments.c.status == _ACTIVE,
)


def _course_counters() -> Update:
    e = enrollments.c
    of_course = e.course_id == courses.c.id
    enrolled = select(func.count()).select_from(enrollments).where(of_course, e.status.in_(_ENROLLED))
    # Ratings of learners who dropped out still count: a review judges the course, not the learner.
    rated = select(func.count(e.rating)).where(of_course).scalar_subquery()
    rating_sum = select(func.coalesce(func.sum(e.rating), 0)).where(of_course).scalar_subquery()
    return (
        update(courses)
        .where(courses.c.id == bindparam("counted_course_id"))
        .values(
            enrollment_count=enrolled.scalar_subquery(),
            rating_count=rated,
            rating_sum=rating_sum,
            rating_average_centi=case((rated > 0, rating_sum * 100 // rated), else_=0),
        )
    )


_UPDATE_COURSE_COUNTERS = _course_counters()
