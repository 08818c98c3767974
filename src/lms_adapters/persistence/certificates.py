"""The certificate repository. Uniqueness (one per enrolment, one per number) is the database's job."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.models import certificate_issue_failures, certificates, courses, enrollments, users
from lms_adapters.persistence.paging import fetch_page
from lms_core.certificates.commands import ListMyCertificates
from lms_core.certificates.entities import Certificate, CertificateIssueFailure
from lms_core.certificates.ports import IssuableEnrollment
from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.shared.ids import UserId

_FIELDS = ("id", "enrollment_id", "course_id", "certificate_number", "pdf_path", "student_name", "course_title",
           "instructor_name", "completion_date", "issued_at", "renderer", "is_revoked", "revoked_at",
           "revoked_reason")  # fmt: skip


def _to_certificate(m: Any) -> Certificate:
    revoked_by = m["revoked_by"]
    return Certificate(
        student_id=UserId(m["student_id"]),
        revoked_by=None if revoked_by is None else UserId(revoked_by),
        **{name: m[name] for name in _FIELDS},
    )


_student = users.alias("student")
_instructor = users.alias("instructor")


def _issuable_query() -> Select[Any]:
    e = enrollments.c
    return (
        select(
            e.id,
            e.student_id,
            e.course_id,
            e.status,
            e.completed_at,
            courses.c.instructor_id,
            courses.c.title,
            _student.c.full_name.label("student_name"),
            _student.c.email.label("student_email"),
            _instructor.c.full_name.label("instructor_name"),
        )
        .join(courses, courses.c.id == e.course_id)
        .join(_student, _student.c.id == e.student_id)
        .join(_instructor, _instructor.c.id == courses.c.instructor_id)
    )


def _to_issuable(m: Any) -> IssuableEnrollment:
    return IssuableEnrollment(
        enrollment_id=m["id"],
        student_id=UserId(m["student_id"]),
        course_id=m["course_id"],
        instructor_id=UserId(m["instructor_id"]),
        status=EnrollmentStatus(m["status"]),
        completed_at=m["completed_at"],
        student_name=m["student_name"],
        course_title=m["title"],
        instructor_name=m["instructor_name"],
        student_email=m["student_email"],
    )


def _completed_conditions(course_id: UUID | None, *, certified: bool) -> list[ColumnElement[bool]]:
    """Completed enrolments of the course (or of all) that have their certificate (`certified`) or lack it."""
    e = enrollments.c
    has_certificate = select(certificates.c.id).where(certificates.c.enrollment_id == e.id).exists()
    conditions = [
        e.status == EnrollmentStatus.COMPLETED.value,
        e.completed_at.is_not(None),
        has_certificate if certified else ~has_certificate,
    ]
    if course_id is not None:
        conditions.append(e.course_id == course_id)
    return conditions


class SqlCertificateRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, certificate: Certificate) -> None:
        values = {name: getattr(certificate, name) for name in _FIELDS}
        values.update(student_id=certificate.student_id, revoked_by=certificate.revoked_by)
        await self._c.execute(insert(certificates).values(values))
        await self._c.execute(
            update(enrollments)
            .where(enrollments.c.id == certificate.enrollment_id)
            .values(certificate_issued_at=certificate.issued_at)
        )
        await self._c.execute(
            delete(certificate_issue_failures).where(
                certificate_issue_failures.c.enrollment_id == certificate.enrollment_id
            )
        )

    async def get(self, certificate_id: UUID) -> Certificate | None:
        return await self._one(certificates.c.id == certificate_id)

    async def get_by_number(self, certificate_number: str) -> Certificate | None:
        return await self._one(certificates.c.certificate_number == certificate_number)

    async def get_for_enrollment(self, enrollment_id: UUID) -> Certificate | None:
        return await self._one(certificates.c.enrollment_id == enrollment_id)

    async def _one(self, condition: ColumnElement[bool]) -> Certificate | None:
        row = (await self._c.execute(select(certificates).where(condition))).first()
        return _to_certificate(row._mapping) if row else None

    async def list_for_student(self, student_id: UserId, query: ListMyCertificates) -> tuple[list[Certificate], int]:
        ordered = select(certificates).order_by(certificates.c.issued_at.desc(), certificates.c.id.desc())
        rows, total = await fetch_page(
            self._c,
            ordered,
            table=certificates,
            conditions=[certificates.c.student_id == student_id],
            offset=query.offset,
            limit=query.limit,
        )
        return [_to_certificate(r._mapping) for r in rows], total

    async def revoke(self, certificate_id: UUID, *, at: datetime, reason: str, by: UserId | None) -> bool:
        result = await self._c.execute(
            update(certificates)
            .where(certificates.c.id == certificate_id, certificates.c.is_revoked.is_(False))
            .values(is_revoked=True, revoked_at=at, revoked_reason=reason, revoked_by=by)
        )
        return result.rowcount == 1

    async def issuable(self, enrollment_id: UUID) -> IssuableEnrollment | None:
        row = (await self._c.execute(_issuable_query().where(enrollments.c.id == enrollment_id))).first()
        return _to_issuable(row._mapping) if row else None

    async def missing(self, *, course_id: UUID | None, after: UUID | None, limit: int) -> list[IssuableEnrollment]:
        conditions = _completed_conditions(course_id, certified=False)
        if after is not None:
            conditions.append(enrollments.c.id > after)
        rows = await self._c.execute(_issuable_query().where(*conditions).order_by(enrollments.c.id).limit(limit))
        return [_to_issuable(r._mapping) for r in rows]

    async def count_missing(self, *, course_id: UUID | None) -> int:
        query = select(func.count()).select_from(enrollments).where(*_completed_conditions(course_id, certified=False))
        return int((await self._c.execute(query)).scalar_one())

    async def count_issued(self, *, course_id: UUID | None) -> int:
        query = select(func.count()).select_from(enrollments).where(*_completed_conditions(course_id, certified=True))
        return int((await self._c.execute(query)).scalar_one())

    async def record_failure(self, failure: CertificateIssueFailure) -> None:
        values = {
            "enrollment_id": failure.enrollment_id,
            "code": failure.code,
            "reason": failure.reason,
            "field": failure.field,
            "failed_at": failure.failed_at,
        }
        # One row per enrolment whatever the races: an upsert, in each dialect's own words.
        if self._c.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        statement = upsert(certificate_issue_failures).values(values)
        await self._c.execute(
            statement.on_conflict_do_update(
                index_elements=[certificate_issue_failures.c.enrollment_id],
                set_={name: statement.excluded[name] for name in ("code", "reason", "field", "failed_at")},
            )
        )

    async def failure_for(self, enrollment_id: UUID) -> CertificateIssueFailure | None:
        row = (
            await self._c.execute(
                select(certificate_issue_failures).where(certificate_issue_failures.c.enrollment_id == enrollment_id)
            )
        ).first()
        if row is None:
            return None
        m = row._mapping
        return CertificateIssueFailure(
            enrollment_id=m["enrollment_id"], code=m["code"], reason=m["reason"], field=m["field"],
            failed_at=m["failed_at"],
        )  # fmt: skip
