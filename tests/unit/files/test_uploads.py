"""Uploads through the service: type detection, limits, names and paths, and the object/row pairing."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest

from lms_adapters.bootstrap import open_lms
from lms_adapters.links import ApiLinks
from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.uow import SqlUnitOfWork
from lms_adapters.settings import Settings
from lms_adapters.storage import FsspecFileStorage
from lms_core import Actor, Lms
from lms_core.files.commands import ListMyFiles, UploadFile
from lms_core.files.entities import FileType, UploadLimits
from lms_core.files.errors import EmptyFile, FileTooLarge, UnsupportedFileType
from lms_core.files.events import FileDeleted, FileUploaded
from lms_core.files.service import FileService
from lms_core.shared.clock import FixedClock
from lms_core.shared.errors import ExternalServiceError, NotAuthenticatedError
from lms_core.shared.ports import Transaction
from tests.conftest import make_settings
from tests.support.catalogue import student
from tests.support.doubles import RecordingMailer
from tests.support.files import (
    CSV,
    EXECUTABLE,
    MP4,
    PDF,
    PNG,
    SVG,
    TEXT,
    FailingStorage,
    chunks_of,
    collect,
    memory_objects,
    office_document,
)
from tests.support.flows import delivered_events


async def upload(lms: Lms, actor: Actor, data: bytes, **command: Any) -> Any:
    command.setdefault("original_filename", "upload.bin")
    return await lms.files.upload(actor, UploadFile(**command), chunks_of(data, 1000))


async def test_an_upload_is_stored_under_a_dated_uuid_path_and_reads_back(
    lms: Lms, settings: Settings, clock: FixedClock
) -> None:
    owner = await student(lms, "owner@example.com")
    view = await upload(lms, owner, PNG, original_filename="Holiday Photo.PNG", declared_mime_type="image/png")

    assert view.file_type is FileType.IMAGE
    assert view.mime_type == "image/png"
    assert view.filename == f"{view.id}.png"
    assert view.original_filename == "Holiday Photo.PNG"
    assert view.file_size == len(PNG)
    assert view.sha256 == hashlib.sha256(PNG).hexdigest()
    assert view.storage_provider == "memory"
    assert view.folder == "uploads"
    assert view.file_url == f"/api/v1/files/download/{view.id}"
    assert view.uploader_id == owner.user_id
    assert view.is_public is False
    assert view.created_at == clock.now()
    assert memory_objects(settings) == [f"uploads/{clock.now():%Y}/{clock.now():%m}/{view.id}.png"]

    download = await lms.files.download(owner, view.id)
    assert download.redirect_url is None
    assert download.partial is False
    assert await collect(download.content) == PNG


@pytest.mark.parametrize(
    ("data", "declared", "mime", "file_type", "extension"),
    [
        (PNG, "image/png", "image/png", FileType.IMAGE, "png"),
        (PNG, None, "image/png", FileType.IMAGE, "png"),
        (PNG, "application/octet-stream", "image/png", FileType.IMAGE, "png"),
        (PDF, "application/pdf", "application/pdf", FileType.DOCUMENT, "pdf"),
        (MP4, "video/mp4", "video/mp4", FileType.VIDEO, "mp4"),
        (CSV, "text/csv", "text/csv", FileType.DOCUMENT, "csv"),
        (CSV, "application/vnd.ms-excel", "text/csv", FileType.DOCUMENT, "csv"),
        (TEXT, "text/plain; charset=utf-8", "text/plain", FileType.DOCUMENT, "txt"),
        (
            office_document("word"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileType.DOCUMENT,
            "docx",
        ),
    ],
)
async def test_the_stored_type_and_extension_come_from_the_content(
    lms: Lms, data: bytes, declared: str | None, mime: str, file_type: FileType, extension: str
) -> None:
    owner = await student(lms, "owner@example.com")
    view = await upload(lms, owner, data, original_filename="name-from-client.exe", declared_mime_type=declared)
    assert (view.mime_type, view.file_type) == (mime, file_type)
    assert view.filename == f"{view.id}.{extension}"
    assert view.original_filename == "name-from-client.exe"


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (PNG, "application/pdf"),  # the content contradicts the declaration
        (PDF, "image/png"),
        (EXECUTABLE, "image/png"),  # a program dressed as an image
        (EXECUTABLE, "application/octet-stream"),  # unrecognised content
        (SVG, "image/svg+xml"),  # text, not an accepted image
        (TEXT, "text/html"),
    ],
)
async def test_unaccepted_or_mismatched_content_is_refused_and_nothing_is_kept(
    lms: Lms, settings: Settings, data: bytes, declared: str
) -> None:
    owner = await student(lms, "owner@example.com")
    with pytest.raises(UnsupportedFileType) as caught:
        await upload(lms, owner, data, declared_mime_type=declared)
    assert caught.value.code == "files.unsupported_type"
    assert memory_objects(settings) == []
    assert (await lms.files.list_my_files(owner, ListMyFiles())).total == 0


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\report.pdf", "report.pdf"),
        ("/absolute/path/notes.txt", "notes.txt"),
        ("..", "file"),
        ("", "file"),
        ("evil\u202egnp.exe", "evilgnp.exe"),  # a right-to-left override would disguise the extension
        ("line\r\nbreak\x00.txt", "line break.txt"),
        (".hidden", "hidden"),
        ("résumé final.pdf", "résumé final.pdf"),
    ],
)
async def test_client_file_names_are_kept_only_cleaned_and_never_reach_the_path(
    lms: Lms, settings: Settings, raw: str, kept: str
) -> None:
    owner = await student(lms, "owner@example.com")
    view = await upload(lms, owner, TEXT, original_filename=raw)
    assert view.original_filename == kept
    (path,) = memory_objects(settings)
    assert path == f"uploads/2026/01/{view.id}.txt"


async def test_long_names_are_cut_to_255_characters_keeping_the_extension(lms: Lms) -> None:
    owner = await student(lms, "owner@example.com")
    view = await upload(lms, owner, PDF, original_filename="a" * 400 + ".pdf")
    assert len(view.original_filename) == 255
    assert view.original_filename.endswith("a.pdf")


async def test_an_empty_upload_is_refused(lms: Lms, settings: Settings) -> None:
    owner = await student(lms, "owner@example.com")
    with pytest.raises(EmptyFile):
        await upload(lms, owner, b"")
    assert memory_objects(settings) == []


async def test_uploading_needs_a_signed_in_user(lms: Lms) -> None:
    with pytest.raises(NotAuthenticatedError):
        await upload(lms, Actor.anonymous(), PNG)


@asynccontextmanager
async def small_limits(database_url: str, clock: FixedClock, **limits: int) -> AsyncIterator[tuple[Lms, Settings]]:
    settings = make_settings(database_url, **limits)
    async with open_lms(settings, clock=clock, mailer=RecordingMailer()) as small:
        yield small, settings


async def test_each_type_has_its_own_size_limit_and_an_oversize_upload_leaves_nothing(
    database_url: str, clock: FixedClock
) -> None:
    async with small_limits(database_url, clock, max_image_bytes=4096, max_document_bytes=20_000) as (lms, settings):
        owner = await student(lms, "owner@example.com")
        big_image = PNG + bytes(5000)
        with pytest.raises(FileTooLarge) as caught:
            await upload(lms, owner, big_image, declared_mime_type="image/png")
        assert caught.value.code == "files.too_large"
        assert caught.value.details["limit_bytes"] == 4096
        assert caught.value.details["file_type"] == "image"
        assert memory_objects(settings) == []
        assert (await lms.files.list_my_files(owner, ListMyFiles())).total == 0

        # The same number of bytes is fine as a document, whose limit is higher.
        document = PDF + bytes(len(big_image) - len(PDF))
        view = await upload(lms, owner, document)
        assert view.file_size == len(big_image)
        exactly = await upload(lms, owner, PNG + bytes(4096 - len(PNG)))
        assert exactly.file_size == 4096


async def test_a_large_upload_is_streamed_in_chunks(lms: Lms, settings: Settings) -> None:
    owner = await student(lms, "owner@example.com")
    data = MP4 + bytes(range(256)) * 12_000  # about 3 MB
    view = await lms.files.upload(owner, UploadFile(original_filename="lecture.mp4"), chunks_of(data, 65_536))
    assert view.file_size == len(data)
    assert view.sha256 == hashlib.sha256(data).hexdigest()
    download = await lms.files.download(owner, view.id)
    assert await collect(download.content) == data


async def test_a_storage_failure_during_upload_leaves_neither_row_nor_object(
    lms: Lms, settings: Settings, database_url: str, clock: FixedClock
) -> None:
    owner = await student(lms, "owner@example.com")
    storage = FailingStorage(FsspecFileStorage(settings.storage_url), fail_put_after_chunks=3)
    async with service_with(database_url, clock, storage=storage) as files:
        with pytest.raises(ExternalServiceError):
            await files.upload(owner, UploadFile(), chunks_of(PDF + bytes(100_000), 1000))
    assert memory_objects(settings) == []
    assert (await lms.files.list_my_files(owner, ListMyFiles())).total == 0


class FailingFiles:
    """A files repository whose `add` fails, as a database that goes away after the object is stored."""

    async def add(self, file: Any) -> None:
        raise ConnectionResetError("database connection lost")


class TransactionWithFailingFiles:
    def __init__(self, real: Transaction) -> None:
        self._real = real
        self.files = FailingFiles()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class UnitOfWorkWithFailingFiles:
    def __init__(self, real: SqlUnitOfWork) -> None:
        self._real = real

    @asynccontextmanager
    async def begin(self, *, write: bool = True) -> AsyncIterator[Any]:
        async with self._real.begin(write=write) as tx:
            yield TransactionWithFailingFiles(tx) if write else tx


@asynccontextmanager
async def service_with(
    database_url: str,
    clock: FixedClock,
    *,
    storage: Any,
    wrap_uow: Callable[[SqlUnitOfWork], Any] = lambda uow: uow,
) -> AsyncIterator[FileService]:
    engine = create_engine(database_url)
    try:
        uow = wrap_uow(SqlUnitOfWork(engine, clock=clock))
        links = ApiLinks("https://lms.example.test")
        yield FileService(uow=uow, clock=clock, storage=storage, limits=UploadLimits(), links=links)
    finally:
        await engine.dispose()


async def test_a_database_failure_after_the_object_is_stored_removes_the_object(
    lms: Lms, settings: Settings, database_url: str, clock: FixedClock
) -> None:
    owner = await student(lms, "owner@example.com")
    storage = FailingStorage(FsspecFileStorage(settings.storage_url))
    async with service_with(database_url, clock, storage=storage, wrap_uow=UnitOfWorkWithFailingFiles) as files:
        with pytest.raises(ConnectionResetError):
            await files.upload(owner, UploadFile(), chunks_of(PDF))
    assert len(storage.deleted) == 1
    assert storage.deleted[0].startswith("uploads/2026/01/")
    assert memory_objects(settings) == []
    assert (await lms.files.list_my_files(owner, ListMyFiles())).total == 0


async def test_my_files_lists_own_uploads_newest_first_with_paging_and_type_filter(lms: Lms, clock: FixedClock) -> None:
    owner = await student(lms, "owner@example.com")
    other = await student(lms, "other@example.com")
    names = []
    for number in range(5):
        clock.advance(timedelta(minutes=1))
        data, name = (PNG, f"image-{number}.png") if number % 2 == 0 else (PDF, f"doc-{number}.pdf")
        names.append((await upload(lms, owner, data, original_filename=name)).original_filename)
    await upload(lms, other, PNG)

    first = await lms.files.list_my_files(owner, ListMyFiles(page=1, page_size=2))
    second = await lms.files.list_my_files(owner, ListMyFiles(page=2, page_size=2))
    third = await lms.files.list_my_files(owner, ListMyFiles(page=3, page_size=2))
    assert first.total == second.total == 5
    listed = [f.original_filename for page in (first, second, third) for f in page.items]
    assert listed == list(reversed(names))
    images = await lms.files.list_my_files(owner, ListMyFiles(file_type=FileType.IMAGE))
    assert [f.original_filename for f in images.items] == ["image-4.png", "image-2.png", "image-0.png"]
    with pytest.raises(NotAuthenticatedError):
        await lms.files.list_my_files(Actor.anonymous(), ListMyFiles())


async def test_storing_and_deleting_are_recorded_with_the_row_and_a_refused_upload_is_not(
    lms: Lms, settings: Settings
) -> None:
    owner = await student(lms, "owner@example.com")
    with pytest.raises(UnsupportedFileType):
        await upload(lms, owner, EXECUTABLE)
    view = await upload(lms, owner, PDF, declared_mime_type="application/pdf")
    path = memory_objects(settings)[0]
    await lms.files.delete_file(owner, view.id)
    assert owner.user_id is not None
    assert await delivered_events(lms, FileUploaded, FileDeleted) == [
        FileUploaded(
            file_id=view.id,
            uploader_id=owner.user_id,
            course_id=None,
            file_type="document",
            mime_type="application/pdf",
            file_size=len(PDF),
            storage_provider="memory",
            storage_path=path,
        ),
        FileDeleted(
            file_id=view.id,
            uploader_id=owner.user_id,
            deleted_by=owner.user_id,
            course_id=None,
            file_size=len(PDF),
            storage_provider="memory",
            storage_path=path,
        ),
    ]
