"""A certificate that could not be issued is pending, with its reason, for the learner and the course's
managers to see, until the cause is fixed and it is issued; then the reason is gone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from lms_core import Actor, Lms
from lms_core.certificates.commands import IssueMissingCertificates
from lms_core.certificates.errors import UnrenderableName
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.enrollments.errors import EnrollmentNotFound
from lms_core.shared.clock import FixedClock
from lms_core.users.commands import UpdateUser
from tests.support.catalogue import instructor, student
from tests.support.certificates import completed, pdf_text, stored_pdfs
from tests.support.flows import create_admin
from tests.support.learning import classroom

HINDI = "अमित शर्मा"  # Devanagari: no certificate font has it


async def failure_rows(database_url: str) -> list[tuple[object, ...]]:
    """The stored issue failures, read straight from the database."""
    from lms_adapters.persistence.models import certificate_issue_failures

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(certificate_issue_failures))
            return [tuple(row) for row in rows]
    finally:
        await engine.dispose()


async def test_an_unrenderable_name_leaves_the_certificate_pending_with_its_reason(
    lms: Lms, clock: FixedClock, storage_dir: Path, database_url: str
) -> None:
    done = await completed(lms, name=HINDI, email="amit@example.com")
    await lms.outbox.drain()  # the completion's certificate fails to render

    for viewer in (done.learner, done.room.owner, await create_admin(lms)):
        status = await lms.certificates.certificate_status(viewer, done.enrollment.id)
        assert status.certificate_status == "pending"
        assert status.certificate is None
        assert status.certificate_pending_code == "certificates.unrenderable_name"
        assert status.certificate_pending_reason == (
            f"the student name has characters no certificate font can draw: {''.join(sorted(set(HINDI) - {' '}))}"
        )
        assert status.certificate_pending_since == clock.now()
    for outsider in (await student(lms, "other@example.com"), await instructor(lms, "rival@example.com")):
        with pytest.raises(EnrollmentNotFound):
            await lms.certificates.certificate_status(outsider, done.enrollment.id)
    [row] = await failure_rows(database_url)
    assert row[:4] == (done.enrollment.id, "certificates.unrenderable_name", status.certificate_pending_reason,
                       "student_name")  # fmt: skip
    assert stored_pdfs(storage_dir) == []


async def test_fixing_the_name_and_issuing_again_clears_the_reason(
    lms: Lms, clock: FixedClock, storage_dir: Path, database_url: str
) -> None:
    done = await completed(lms, name=HINDI, email="amit@example.com")
    with pytest.raises(UnrenderableName):
        await lms.certificates.generate(done.room.owner, done.enrollment.id)
    first = await lms.certificates.certificate_status(done.learner, done.enrollment.id)
    assert first.certificate_pending_since == clock.now()

    clock.advance(timedelta(minutes=5))
    summary = await lms.certificates.issue_missing(Actor.system(), IssueMissingCertificates())
    assert len(summary.failed) == 1
    assert len(await failure_rows(database_url)) == 1  # failing again keeps one reason, the latest
    again = await lms.certificates.certificate_status(done.room.owner, done.enrollment.id)
    assert again.certificate_pending_since == clock.now()

    admin = await create_admin(lms)
    await lms.users.update_user(admin, done.learner.require_user(), UpdateUser(full_name="Amit Sharma"))
    result = await lms.certificates.generate(done.room.owner, done.enrollment.id)
    assert result.created and result.certificate.student_name == "Amit Sharma"
    status = await lms.certificates.certificate_status(done.learner, done.enrollment.id)
    assert status.certificate_status == "issued"
    assert status.certificate == result.certificate
    assert (status.certificate_pending_reason, status.certificate_pending_code) == (None, None)
    assert await failure_rows(database_url) == []
    [pdf] = stored_pdfs(storage_dir)
    assert "Amit Sharma" in pdf_text(pdf.read_bytes())


async def test_a_batch_records_the_reason_and_a_later_batch_clears_it(lms: Lms, database_url: str) -> None:
    room = await classroom(lms, title="Batch", required=1)
    done = await completed(lms, name=HINDI, email="amit@example.com", room=room)
    summary = await lms.certificates.issue_missing(Actor.system(), IssueMissingCertificates(course_id=room.course.id))
    assert [failure.student_email for failure in summary.failed] == ["amit@example.com"]
    assert (await lms.certificates.certificate_status(done.learner, done.enrollment.id)).certificate_pending_code == (
        "certificates.unrenderable_name"
    )
    await lms.users.update_user(
        await create_admin(lms), done.learner.require_user(), UpdateUser(full_name="Amit Sharma")
    )
    again = await lms.certificates.issue_missing(Actor.system(), IssueMissingCertificates(course_id=room.course.id))
    assert (again.issued, again.failed) == (1, [])
    assert await failure_rows(database_url) == []


async def test_an_enrolment_in_progress_is_not_completed_and_a_fresh_completion_is_pending(lms: Lms) -> None:
    room = await classroom(lms, title="Two lessons", required=2)
    learner = await student(lms, "learner@example.com")
    enrollment = await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))
    status = await lms.certificates.certificate_status(learner, enrollment.id)
    assert (status.certificate_status, status.certificate_pending_reason) == ("not_completed", None)
    for lesson_id in room.lesson_ids:
        await lms.enrollments.complete_lesson(learner, enrollment.id, lesson_id)
    # Completed, its certificate still on its way through the outbox: pending, with no failure to report.
    status = await lms.certificates.certificate_status(learner, enrollment.id)
    assert (status.certificate_status, status.certificate_pending_reason) == ("pending", None)
    await lms.outbox.drain()
    assert (await lms.certificates.certificate_status(learner, enrollment.id)).certificate_status == "issued"
