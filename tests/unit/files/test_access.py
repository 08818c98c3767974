"""Who may download and delete files, course attachments, byte ranges and deletion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from lms_adapters.settings import Settings
from lms_adapters.storage import FsspecFileStorage
from lms_core import Actor, Lms
from lms_core.courses.commands import CreateCourse
from lms_core.courses.errors import CourseNotFound, NotCourseManager
from lms_core.enrollments.commands import EnrollInCourse, ListMyEnrollments
from lms_core.files.commands import ByteRange, UploadFile
from lms_core.files.errors import FileContentMissing, FileNotFound, NotFileOwner, RangeNotSatisfiable
from lms_core.files.views import FileView
from lms_core.shared.clock import FixedClock
from lms_core.shared.errors import ExternalServiceError, InvalidInputError, NotAuthenticatedError
from lms_core.shared.ids import new_id
from tests.support.catalogue import instructor, published_course, student
from tests.support.files import PDF, PNG, TEXT, FailingStorage, chunks_of, collect, memory_objects
from tests.support.flows import create_admin
from tests.unit.files.test_uploads import service_with


async def put(lms: Lms, actor: Actor, data: bytes = PDF, **command: Any) -> FileView:
    return await lms.files.upload(actor, UploadFile(original_filename="notes.pdf", **command), chunks_of(data))


@dataclass
class Cast:
    owner: Actor
    other: Actor
    admin: Actor
    teacher: Actor
    other_teacher: Actor
    learner: Actor
    course_id: Any


@pytest.fixture
async def cast(lms: Lms) -> Cast:
    teacher = await instructor(lms, "teacher@example.com")
    course = await published_course(lms, teacher, "Files Course", lessons=1)
    learner = await student(lms, "learner@example.com")
    await lms.enrollments.enroll(learner, EnrollInCourse(course_id=course.id))
    return Cast(
        owner=await student(lms, "owner@example.com"),
        other=await student(lms, "other@example.com"),
        admin=await create_admin(lms),
        teacher=teacher,
        other_teacher=await instructor(lms, "other-teacher@example.com"),
        learner=learner,
        course_id=course.id,
    )


async def may_download(lms: Lms, actor: Actor, file: FileView) -> bool:
    try:
        download = await lms.files.download(actor, file.id)
    except FileNotFound:
        return False
    assert await collect(download.content) == PDF
    assert (await lms.files.get_file(actor, file.id)).id == file.id
    return True


async def test_a_private_file_is_for_its_uploader_and_admins_only(lms: Lms, cast: Cast) -> None:
    file = await put(lms, cast.owner)
    allowed = {
        name: await may_download(lms, actor, file)
        for name, actor in [
            ("anonymous", Actor.anonymous()),
            ("owner", cast.owner),
            ("other", cast.other),
            ("admin", cast.admin),
            ("teacher", cast.teacher),
            ("learner", cast.learner),
            ("system", Actor.system()),
        ]
    }
    assert allowed == {
        "anonymous": False,
        "owner": True,
        "other": False,
        "admin": True,
        "teacher": False,
        "learner": False,
        "system": True,
    }


async def test_a_public_file_is_for_everyone(lms: Lms, cast: Cast) -> None:
    file = await put(lms, cast.teacher, is_public=True)
    for actor in (Actor.anonymous(), cast.other, cast.learner, cast.owner, cast.teacher):
        assert await may_download(lms, actor, file)


async def test_a_private_course_file_is_for_the_course_instructor_and_its_learners(lms: Lms, cast: Cast) -> None:
    file = await put(lms, cast.teacher, course_id=cast.course_id)
    assert file.course_id == cast.course_id
    assert await may_download(lms, cast.learner, file)
    assert await may_download(lms, cast.teacher, file)
    assert await may_download(lms, cast.admin, file)
    assert not await may_download(lms, cast.other, file)
    assert not await may_download(lms, cast.other_teacher, file)
    assert not await may_download(lms, Actor.anonymous(), file)


async def test_an_admin_upload_to_a_course_is_readable_by_its_instructor(lms: Lms, cast: Cast) -> None:
    file = await put(lms, cast.admin, course_id=cast.course_id)
    assert await may_download(lms, cast.teacher, file)
    assert await may_download(lms, cast.learner, file)


async def test_a_dropped_learner_loses_access_to_course_files(lms: Lms, cast: Cast) -> None:
    file = await put(lms, cast.teacher, course_id=cast.course_id)
    enrollment = (await lms.enrollments.my_enrollments(cast.learner, ListMyEnrollments())).items[0]
    await lms.enrollments.drop(cast.learner, enrollment.id)
    assert not await may_download(lms, cast.learner, file)


async def test_only_a_course_manager_attaches_files_to_a_course(lms: Lms, cast: Cast, settings: Settings) -> None:
    with pytest.raises(NotCourseManager):
        await put(lms, cast.learner, course_id=cast.course_id)
    with pytest.raises(NotCourseManager):
        await put(lms, cast.other_teacher, course_id=cast.course_id)
    with pytest.raises(CourseNotFound):
        await put(lms, cast.teacher, course_id=new_id())
    draft = await lms.courses.create_course(cast.teacher, CreateCourse(title="Draft"))
    with pytest.raises(CourseNotFound):  # a draft's existence is not revealed
        await put(lms, cast.other_teacher, course_id=draft.id)
    assert (await put(lms, cast.teacher, course_id=draft.id)).course_id == draft.id
    assert len(memory_objects(settings)) == 1


async def test_unknown_files_are_not_found(lms: Lms, cast: Cast) -> None:
    with pytest.raises(FileNotFound):
        await lms.files.download(cast.admin, new_id())
    with pytest.raises(FileNotFound):
        await lms.files.delete_file(cast.admin, new_id())


@pytest.mark.parametrize(
    ("byte_range", "first", "last"),
    [
        (ByteRange(first=0, last=9), 0, 9),
        (ByteRange(first=10), 10, None),
        (ByteRange(first=5, last=10_000_000), 5, None),
        (ByteRange(suffix_length=7), -7, None),
        (ByteRange(suffix_length=10_000_000), 0, None),
    ],
)
async def test_byte_ranges(lms: Lms, cast: Cast, byte_range: ByteRange, first: int, last: int | None) -> None:
    """`first` below zero counts from the end; `last` None is the last byte."""
    file = await put(lms, cast.owner)
    download = await lms.files.download(cast.owner, file.id, byte_range)
    first = first if first >= 0 else len(PDF) + first
    last = len(PDF) - 1 if last is None else last
    assert download.partial is True
    assert (download.first, download.last, download.length) == (first, last, last - first + 1)
    assert await collect(download.content) == PDF[first : last + 1]


@pytest.mark.parametrize("byte_range", [ByteRange(first=len(PDF)), ByteRange(suffix_length=0)])
async def test_unsatisfiable_ranges(lms: Lms, cast: Cast, byte_range: ByteRange) -> None:
    file = await put(lms, cast.owner)
    with pytest.raises(RangeNotSatisfiable) as caught:
        await lms.files.download(cast.owner, file.id, byte_range)
    assert caught.value.size == len(PDF)


def test_a_byte_range_is_either_a_span_or_a_suffix() -> None:
    with pytest.raises(InvalidInputError):
        ByteRange(first=5, last=4)
    with pytest.raises(InvalidInputError):
        ByteRange()
    with pytest.raises(InvalidInputError):
        ByteRange(first=1, suffix_length=3)


async def test_the_uploader_or_an_admin_deletes_object_and_row(lms: Lms, cast: Cast, settings: Settings) -> None:
    mine = await put(lms, cast.owner)
    theirs = await put(lms, cast.other, TEXT)
    assert len(memory_objects(settings)) == 2
    await lms.files.delete_file(cast.owner, mine.id)
    await lms.files.delete_file(cast.admin, theirs.id)
    assert memory_objects(settings) == []
    with pytest.raises(FileNotFound):
        await lms.files.download(cast.owner, mine.id)
    with pytest.raises(FileNotFound):
        await lms.files.delete_file(cast.owner, mine.id)


async def test_others_may_not_delete(lms: Lms, cast: Cast, settings: Settings) -> None:
    private = await put(lms, cast.owner)
    public = await put(lms, cast.owner, PNG, is_public=True)
    course_file = await put(lms, cast.admin, course_id=cast.course_id)
    with pytest.raises(FileNotFound):  # cannot see it at all
        await lms.files.delete_file(cast.other, private.id)
    with pytest.raises(NotFileOwner):  # can see it, but it is not theirs
        await lms.files.delete_file(cast.other, public.id)
    with pytest.raises(NotFileOwner):
        await lms.files.delete_file(cast.learner, course_file.id)
    with pytest.raises(NotFileOwner):  # the course's instructor did not upload it
        await lms.files.delete_file(cast.teacher, course_file.id)
    with pytest.raises(NotAuthenticatedError):
        await lms.files.delete_file(Actor.anonymous(), public.id)
    assert len(memory_objects(settings)) == 3


async def test_a_storage_failure_during_deletion_keeps_the_row(
    lms: Lms, cast: Cast, settings: Settings, database_url: str, clock: FixedClock
) -> None:
    file = await put(lms, cast.owner)
    storage = FailingStorage(FsspecFileStorage(settings.storage_url))
    storage.fail_delete = True
    async with service_with(database_url, clock, storage=storage) as files:
        with pytest.raises(ExternalServiceError):
            await files.delete_file(cast.owner, file.id)
        assert await collect((await files.download(cast.owner, file.id)).content) == PDF
        storage.fail_delete = False
        await files.delete_file(cast.owner, file.id)
    assert memory_objects(settings) == []


async def test_a_row_whose_object_vanished_reports_missing_content(lms: Lms, cast: Cast, settings: Settings) -> None:
    file = await put(lms, cast.owner)
    (path,) = memory_objects(settings)
    await FsspecFileStorage(settings.storage_url).delete(path)
    with pytest.raises(FileContentMissing):
        await lms.files.download(cast.owner, file.id)
    await lms.files.delete_file(cast.owner, file.id)  # deleting still works: a missing object is no error
