"""Listing, downloading, public verification and revocation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lms_core import Actor, InvalidInputError, Lms
from lms_core.certificates.commands import ListMyCertificates, RevokeCertificate
from lms_core.certificates.errors import CertificateAlreadyRevoked, CertificateNotFound, NotCertificateManager
from lms_core.certificates.views import CertificateVerification
from lms_core.shared.clock import FixedClock
from tests.support.catalogue import instructor, student
from tests.support.certificates import completed, pdf_text
from tests.support.flows import create_admin
from tests.support.learning import classroom


async def test_verification_is_public_and_tells_nothing_else_about_the_student(lms: Lms) -> None:
    done = await completed(lms, name="Grace Hopper")
    issued = (await lms.certificates.generate(done.room.owner, done.enrollment.id)).certificate
    verification = await lms.certificates.verify(Actor.anonymous(), issued.certificate_number.lower())
    assert verification == CertificateVerification(
        certificate_number=issued.certificate_number,
        valid=True,
        is_revoked=False,
        revoked_at=None,
        student_name="Grace Hopper",
        course_title="Analytical Engines",
        completion_date=issued.completion_date,
        issued_at=issued.issued_at,
    )
    for unknown in ("CERT-20260101-FFFFFFFF", "not-a-number", "CERT-2026"):
        with pytest.raises(CertificateNotFound):
            await lms.certificates.verify(Actor.anonymous(), unknown)


async def test_revocation_by_the_instructor_or_an_admin_with_a_reason(lms: Lms, clock: FixedClock) -> None:
    done = await completed(lms)
    issued = (await lms.certificates.generate(done.room.owner, done.enrollment.id)).certificate
    with pytest.raises(NotCertificateManager):
        await lms.certificates.revoke(done.learner, issued.id, RevokeCertificate(reason="mine"))
    with pytest.raises(CertificateNotFound):
        await lms.certificates.revoke(
            await instructor(lms, "rival@example.com"), issued.id, RevokeCertificate(reason="x")
        )
    with pytest.raises(InvalidInputError):
        RevokeCertificate(reason="   ")
    clock.advance(timedelta(days=3))
    revoked = await lms.certificates.revoke(done.room.owner, issued.id, RevokeCertificate(reason="  plagiarism "))
    assert revoked.is_revoked and revoked.revoked_at == clock.now() and revoked.revoked_reason == "plagiarism"
    verification = await lms.certificates.verify(Actor.anonymous(), issued.certificate_number)
    assert (verification.valid, verification.is_revoked, verification.revoked_at) == (False, True, clock.now())
    with pytest.raises(CertificateAlreadyRevoked):
        await lms.certificates.revoke_by_number(
            Actor.system(), issued.certificate_number, RevokeCertificate(reason="again")
        )
    with pytest.raises(CertificateNotFound):
        await lms.certificates.revoke_by_number(Actor.system(), "CERT-20260101-FFFFFFFF", RevokeCertificate(reason="x"))


def stored_pdfs(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*.pdf")}


async def test_a_revoked_certificate_still_downloads_but_marked_revoked(
    lms: Lms, clock: FixedClock, storage_dir: Path
) -> None:
    done = await completed(lms, name="Ada Lovelace")
    issued = (await lms.certificates.generate(done.room.owner, done.enrollment.id)).certificate
    as_issued = stored_pdfs(storage_dir)
    assert len(as_issued) == 1
    assert "REVOKED" not in pdf_text((await lms.certificates.download(done.learner, issued.id)).content)

    clock.advance(timedelta(days=40))
    await lms.certificates.revoke(done.room.owner, issued.id, RevokeCertificate(reason="plagiarism"))
    for reader in (done.learner, done.room.owner, await create_admin(lms)):
        file = await lms.certificates.download(reader, issued.id)
        assert file.content.startswith(b"%PDF") and file.filename == f"{issued.certificate_number}.pdf"
        text = pdf_text(file.content)
        assert f"REVOKED {clock.now().date().isoformat()} - no longer valid" in text
        assert "Ada Lovelace" in text and issued.certificate_number in text
    # The PDF as issued stays in storage, untouched, for the record; it is never served again.
    assert stored_pdfs(storage_dir) == as_issued
    verification = await lms.certificates.verify(Actor.anonymous(), issued.certificate_number)
    assert (verification.valid, verification.is_revoked, verification.revoked_at) == (False, True, clock.now())


async def test_download_and_listing_are_for_the_holder_the_instructor_and_admins(lms: Lms) -> None:
    room = await classroom(lms, title="Looms", required=1)
    done = await completed(lms, name="Ada Lovelace", room=room)
    issued = (await lms.certificates.generate(room.owner, done.enrollment.id)).certificate
    for allowed in (done.learner, room.owner, await create_admin(lms)):
        file = await lms.certificates.download(allowed, issued.id)
        assert file.content.startswith(b"%PDF") and file.content_type == "application/pdf"
        assert file.filename == f"{issued.certificate_number}.pdf"
    assert "Ada Lovelace" in pdf_text(file.content)
    for outsider in (await student(lms, "other@example.com"), await instructor(lms, "rival@example.com")):
        with pytest.raises(CertificateNotFound):
            await lms.certificates.download(outsider, issued.id)
        assert (await lms.certificates.my_certificates(outsider, ListMyCertificates())).total == 0
    second_room = await classroom(lms, title="Punched Cards", required=1)
    second = await completed(lms, learner=done.learner, room=second_room)
    await lms.certificates.generate(second_room.owner, second.enrollment.id)
    page = await lms.certificates.my_certificates(done.learner, ListMyCertificates(page_size=1))
    assert page.total == 2 and len(page.items) == 1
