"""Building certificates in tests: completed enrolments, stored PDF objects, extracted PDF text."""

from __future__ import annotations

import io
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from lms_adapters.settings import Settings
from lms_core import Actor, Lms
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.enrollments.views import EnrollmentView
from tests.conftest import make_settings
from tests.support.flows import actor_of, register
from tests.support.learning import Classroom, classroom

logging.getLogger("pypdf").setLevel(logging.ERROR)  # borb's ToUnicode map has odd entries pypdf warns about


@dataclass
class Completion:
    room: Classroom
    learner: Actor
    enrollment: EnrollmentView


async def completed(
    lms: Lms,
    *,
    name: str = "Ada Lovelace",
    email: str = "ada@example.com",
    room: Classroom | None = None,
    learner: Actor | None = None,
) -> Completion:
    """A student called `name` (or `learner`) who has completed every lesson of `room` (a fresh one-lesson
    course by default)."""
    room = room or await classroom(lms, title="Analytical Engines", required=1)
    learner = learner or actor_of(await register(lms, email, name=name))
    enrollment = await lms.enrollments.enroll(learner, EnrollInCourse(course_id=room.course.id))
    for lesson_id in room.lesson_ids:
        await lms.enrollments.complete_lesson(learner, enrollment.id, lesson_id)
    return Completion(room=room, learner=learner, enrollment=enrollment)


def stored_pdfs(storage_dir: Path) -> list[Path]:
    return sorted(p for p in storage_dir.rglob("*.pdf") if p.is_file()) if storage_dir.exists() else []


def pdf_text(data: bytes) -> str:
    """The text of a PDF's pages, with Arabic presentation forms folded back to letters (NFKC)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFKC", "\n".join(page.extract_text() for page in reader.pages))


# Fixtures for modules that issue certificates; import them by name into the test module (or conftest).
@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    return tmp_path / "storage"


@pytest.fixture
def settings(database_url: str, storage_dir: Path) -> Settings:
    # reportlab here for speed; both renderers pass the same contract tests in tests/adapters.
    return make_settings(database_url, storage_url=f"file://{storage_dir}", certificate_renderer="reportlab")
