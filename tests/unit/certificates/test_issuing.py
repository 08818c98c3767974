"""Issuing certificates: on completion, on request, in batches; once per enrolment, whatever the races."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from lms_core import Actor, Lms
from lms_core.certificates.commands import IssueMissingCertificates, ListMyCertificates
from lms_core.certificates.entities import pdf_path_for
from lms_core.certificates.errors import EnrollmentNotCompleted, NotCertificateManager, UnrenderableName
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.enrollments.errors import EnrollmentNotFound
from lms_core.enrollments.events import EnrollmentCompleted
from lms_core.shared.clock import FixedClock
from tests.support.catalogue import instructor, student
from tests.support.certificates import completed, pdf_text, stored_pdfs
from tests.support.flows import create_admin
from tests.support.learning import classroom

NUMBER = re.compile(r"CERT-\d{8}-[0-9A-F]{8}")


async def test_completing_a_course_issues_its_certificate_through_the_outbox(
    lms: Lms, clock: FixedClock, storage_dir: Path
) -> None:
    done = await completed(lms, name="Ada Lovelace")
    await lms.outbox.drain()
    page = await lms.certificates.my_certificates(done.learner, ListMyCertificates())
    assert page.total == 1
    certificate = page.items[0]
    assert NUMBER.fullmatch(certificate.certificate_number)
    assert certificate.certificate_number.startswith(f"CERT-{clock.now():%Y%m%d}-")
    assert (certificate.student_name, certificate.course_title) == ("Ada Lovelace", "Analytical Engines")
    assert certificate.instructor_name.startswith("Teacher ")
    assert certificate.enrollment_id == done.enrollment.id
    assert certificate.completion_date == clock.now() and certificate.issued_at == clock.now()
    assert certificate.verification_url == (
        f"https://lms.example.test/api/v1/certificates/verify/{certificate.certificate_number}"
    )
    assert not certificate.is_revoked
    enrollment = await lms.enrollments.get_enrollment(done.learner, done.enrollment.id)
    assert enrollment.certificate_issued_at == clock.now()

    [pdf] = stored_pdfs(storage_dir)
    assert pdf == storage_dir / pdf_path_for(certificate.certificate_number)
    text = pdf_text(pdf.read_bytes())
    for expected in ("Ada Lovelace", "Analytical Engines", certificate.certificate_number, certificate.instructor_name):
        assert expected in text

    # Delivered again (a relay that died before deleting the event): nothing new.
    event = EnrollmentCompleted(
        enrollment_id=done.enrollment.id, student_id=done.enrollment.student_id, course_id=done.room.course.id
    )
    await lms.certificates.on_enrollment_completed(event)
    assert (await lms.certificates.my_certificates(done.learner, ListMyCertificates())).total == 1
    assert len(stored_pdfs(storage_dir)) == 1


async def test_generating_is_for_the_instructor_and_admins_and_only_once_completed(lms: Lms, storage_dir: Path) -> None:
    owner = await instructor(lms, "owner@example.com")
    room = await classroom(lms, owner, title="Difference Engines", required=2)
    learner = await student(lms, "learner@example.com")
    enrollment = await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))
    with pytest.raises(EnrollmentNotCompleted):
        await lms.certificates.generate(owner, enrollment.id)
    for lesson_id in room.lesson_ids:
        await lms.enrollments.complete_lesson(learner, enrollment.id, lesson_id)

    with pytest.raises(NotCertificateManager):
        await lms.certificates.generate(learner, enrollment.id)  # the holder sees it, may not issue it
    for outsider in (await student(lms, "other@example.com"), await instructor(lms, "rival@example.com")):
        with pytest.raises(EnrollmentNotFound):
            await lms.certificates.generate(outsider, enrollment.id)
    with pytest.raises(EnrollmentNotFound):
        await lms.certificates.generate(Actor.anonymous(), enrollment.id)
    assert stored_pdfs(storage_dir) == []

    first = await lms.certificates.generate(owner, enrollment.id)
    assert first.created
    again = await lms.certificates.generate(await create_admin(lms), enrollment.id)
    assert not again.created and again.certificate == first.certificate
    assert len(stored_pdfs(storage_dir)) == 1


async def test_concurrent_generation_issues_one_certificate_and_one_pdf(lms: Lms, storage_dir: Path) -> None:
    done = await completed(lms)
    admin = await create_admin(lms)
    results = await asyncio.gather(*(lms.certificates.generate(admin, done.enrollment.id) for _ in range(6)))
    assert sum(result.created for result in results) == 1
    assert len({result.certificate.id for result in results}) == 1  # the losers got the winner's certificate
    assert (await lms.certificates.my_certificates(done.learner, ListMyCertificates())).total == 1
    [pdf] = stored_pdfs(storage_dir)
    assert pdf.name == f"{results[0].certificate.certificate_number}.pdf"


# Devanagari: no certificate font has it (the default fallback, Noto Sans CJK, covers Chinese, Japanese, Korean).
HINDI = "अमित शर्मा"


async def test_a_name_the_font_cannot_draw_issues_nothing(lms: Lms, storage_dir: Path) -> None:
    done = await completed(lms, name=HINDI, email="amit@example.com")
    with pytest.raises(UnrenderableName) as raised:
        await lms.certificates.generate(done.room.owner, done.enrollment.id)
    assert raised.value.code == "certificates.unrenderable_name"
    assert raised.value.details["field"] == "student_name"
    # The completion event is handled without a certificate and not retried (it would fail again).
    await lms.outbox.drain()
    assert await lms.outbox.pending() == 0
    assert (await lms.certificates.my_certificates(done.learner, ListMyCertificates())).total == 0
    assert stored_pdfs(storage_dir) == []
    enrollment = await lms.enrollments.get_enrollment(done.learner, done.enrollment.id)
    assert enrollment.certificate_issued_at is None


async def test_non_latin_names_are_issued(lms: Lms, storage_dir: Path) -> None:
    room = await classroom(lms, title="Algebra", required=1)
    for name, email in [("Łukasz Żółć", "lukasz@example.com"), ("Αλέξανδρος Παπαδόπουλος", "alex@example.com"),
                        ("محمد عبد الله", "mohamed@example.com"), ("王小明", "wang@example.com"),
                        ("王小明 (Wang Xiaoming)", "xiaoming@example.com")]:  # fmt: skip
        done = await completed(lms, name=name, email=email, room=room)
        result = await lms.certificates.generate(room.owner, done.enrollment.id)
        assert result.created and result.certificate.student_name == name
    pdfs = stored_pdfs(storage_dir)
    assert len(pdfs) == 5
    assert "王小明 (Wang Xiaoming)" in "\n".join(pdf_text(pdf.read_bytes()) for pdf in pdfs)


async def test_a_taken_number_is_drawn_again_without_touching_the_other_pdf(
    lms: Lms, storage_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = await classroom(lms, title="Numbers", required=1)
    first = await completed(lms, email="first@example.com", room=room)
    issued = (await lms.certificates.generate(room.owner, first.enrollment.id)).certificate
    original = (storage_dir / pdf_path_for(issued.certificate_number)).read_bytes()
    second = await completed(lms, email="second@example.com", room=room)
    draws = iter([issued.certificate_number, "CERT-20260101-0000000A"])
    monkeypatch.setattr("lms_core.certificates._issuing.new_certificate_number", lambda _at: next(draws))
    result = await lms.certificates.generate(room.owner, second.enrollment.id)
    assert result.certificate.certificate_number == "CERT-20260101-0000000A"
    assert (storage_dir / pdf_path_for(issued.certificate_number)).read_bytes() == original


async def test_a_number_taken_in_the_database_is_drawn_again(
    lms: Lms, storage_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = await classroom(lms, title="Numbers", required=1)
    first = await completed(lms, email="first@example.com", room=room)
    issued = (await lms.certificates.generate(room.owner, first.enrollment.id)).certificate
    (storage_dir / pdf_path_for(issued.certificate_number)).unlink()  # only the row knows the number now
    second = await completed(lms, email="second@example.com", room=room)
    draws = iter([issued.certificate_number, "CERT-20260101-0000000B"])
    monkeypatch.setattr("lms_core.certificates._issuing.new_certificate_number", lambda _at: next(draws))
    result = await lms.certificates.generate(room.owner, second.enrollment.id)
    assert result.certificate.certificate_number == "CERT-20260101-0000000B"


async def test_an_interrupted_insert_leaves_neither_row_nor_pdf(
    lms: Lms, storage_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = await completed(lms)

    async def interrupted(self: object, certificate: object) -> None:
        raise asyncio.CancelledError

    monkeypatch.setattr("lms_adapters.persistence.certificates.SqlCertificateRepository.add", interrupted)
    with pytest.raises(asyncio.CancelledError):
        await lms.certificates.generate(done.room.owner, done.enrollment.id)
    monkeypatch.undo()
    assert stored_pdfs(storage_dir) == []
    assert (await lms.certificates.my_certificates(done.learner, ListMyCertificates())).total == 0


async def test_issue_missing_catches_up_once_and_reports_failures(lms: Lms, storage_dir: Path) -> None:
    room = await classroom(lms, title="Batch", required=1)
    other = await classroom(lms, title="Elsewhere", required=1)
    for number in range(3):
        await completed(lms, name=f"Learner {number}", email=f"l{number}@example.com", room=room)
    await completed(lms, name=HINDI, email="amit@example.com", room=room)
    await completed(lms, email="elsewhere@example.com", room=other)
    command = IssueMissingCertificates(course_id=room.course.id)
    with pytest.raises(NotCertificateManager):
        await lms.certificates.issue_missing(room.owner, command)
    assert await lms.certificates.count_missing(Actor.system(), command) == 4
    ticks: list[int] = []
    summary = await lms.certificates.issue_missing(Actor.system(), command, on_progress=lambda: ticks.append(1))
    assert (summary.issued, summary.already_issued, len(summary.failed)) == (3, 0, 1)
    assert summary.failed[0].code == "certificates.unrenderable_name"
    assert (summary.failed[0].student_name, summary.failed[0].student_email) == (HINDI, "amit@example.com")
    assert len(ticks) == 4
    again = await lms.certificates.issue_missing(Actor.system(), command)
    assert (again.issued, len(again.failed)) == (0, 1)
    everything = await lms.certificates.issue_missing(Actor.system(), IssueMissingCertificates())
    assert everything.issued == 1  # the other course's
    assert len(stored_pdfs(storage_dir)) == 4
