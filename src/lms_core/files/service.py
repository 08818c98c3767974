"""The files service: uploads streamed to storage, downloads with access control and byte ranges."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable
from uuid import UUID

from lms_core.courses.access import is_enrolled, load_course, managed_course
from lms_core.courses.policy import is_course_manager
from lms_core.files._detection import SNIFF_BYTES, ContentKind, resolve, sniff
from lms_core.files.commands import ByteRange, ListMyFiles, UploadFile
from lms_core.files.entities import (
    UPLOAD_FOLDER,
    DownloadOptions,
    PublishingRules,
    UploadedFile,
    UploadLimits,
    clean_original_filename,
    storage_path_for,
)
from lms_core.files.errors import EmptyFile, FileContentMissing, FileTooLarge, RangeNotSatisfiable, file_not_found
from lms_core.files.events import FileDeleted, FileUploaded
from lms_core.files.policy import (
    can_download,
    learner_publishing_limit,
    needs_course_check,
    publishing_too_large,
    require_can_delete,
)
from lms_core.files.ports import FileLinks, FileStorage
from lms_core.files.views import FileDownload, FileView
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.errors import LmsError
from lms_core.shared.ids import new_id
from lms_core.shared.pagination import Page
from lms_core.shared.ports import Transaction, UnitOfWork

log = logging.getLogger("lms.files")


class FileService:
    """Uploaded files: course materials and user content.

    Rules:
    - any signed-in user uploads; attaching a file to a course (`course_id`) is for the course's
      instructor and admins;
    - the type comes from the content's first bytes and must agree with the declared MIME type;
      unrecognised content, or content that contradicts the declaration, is refused
      (`files.unsupported_type`); an empty upload is refused (`files.empty`);
    - each type has its own size limit (`UploadLimits`); a larger upload is refused (`files.too_large`)
      as soon as it passes the limit, and nothing of it is kept;
    - publishing (`is_public`) follows `policy` and the school's `PublishingRules`: instructors and admins
      publish anything, learners only the types and sizes the rules allow (by default images up to
      2 MiB); a refused type is refused from the first bytes and a refused size as soon as it passes the
      rule's limit (`files.publishing_not_allowed`, 403), and nothing of it is kept;
    - the object is stored under `uploads/{year}/{month}/{uuid}.{ext}`, the extension coming from the
      detected type; the client's file name is kept, cleaned, only as `original_filename`;
    - the object is stored first and its row inserted after; when the row cannot be written the object
      is removed again, so no row ever points to a missing object and no failed upload leaves an object;
    - downloads follow `policy`: public files for anyone, private ones for the uploader, admins and,
      for course attachments, the course's instructor and learners; byte ranges are served, and with
      `DownloadOptions.presigned` a storage that can sign URLs (S3) gets a short-lived redirect instead;
    - the uploader or an admin deletes a file: its object, then its row, in one transaction;
    - storing and deleting are recorded as events (`files.uploaded`, `files.deleted`) with the row.

    No transaction is held while an upload streams in: the course a file is attached to is checked in a
    read transaction first, and the row is written in its own transaction once the object is stored.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        storage: FileStorage,
        limits: UploadLimits,
        links: FileLinks,
        downloads: DownloadOptions | None = None,
        publishing: PublishingRules | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._storage = storage
        self._limits = limits
        self._links = links
        self._downloads = downloads or DownloadOptions()
        self._publishing = publishing or PublishingRules()

    @property
    def limits(self) -> UploadLimits:
        return self._limits

    # -- uploads --------------------------------------------------------------------------------

    async def upload(self, actor: Actor, command: UploadFile, content: AsyncIterator[bytes]) -> FileView:
        """Store `content` (consumed chunk by chunk, never held whole) and record it."""
        uploader_id = actor.require_user()
        if command.course_id is not None:
            async with self._uow.begin(write=False) as tx:
                await managed_course(tx, actor, command.course_id)
        head, exhausted = await _read_head(content, SNIFF_BYTES)
        if not head:
            raise EmptyFile("the file is empty", details={"field": "file"})
        kind = resolve(sniff(head, complete=exhausted), command.declared_mime_type)
        limit = self._limits.for_type(kind.file_type)
        refusal: LmsError = _too_large(kind, limit)
        if command.is_public:
            public_limit = learner_publishing_limit(actor, self._publishing, kind.file_type)
            if public_limit is not None and public_limit < limit:
                limit, refusal = public_limit, publishing_too_large(kind.file_type, public_limit)
        now = self._clock.now()
        file_id = new_id()
        filename, path = storage_path_for(file_id, kind.extension, now)
        digest = hashlib.sha256()
        chunks = _metered(head, None if exhausted else content, digest, limit, refusal)
        try:
            size = await self._storage.put_stream(path, chunks, content_type=kind.mime_type, max_bytes=limit)
        except FileTooLarge:
            raise refusal from None
        file = UploadedFile(
            id=file_id,
            uploader_id=uploader_id,
            filename=filename,
            original_filename=clean_original_filename(command.original_filename),
            storage_path=path,
            storage_provider=self._storage.provider,
            folder=UPLOAD_FOLDER,
            file_type=kind.file_type,
            mime_type=kind.mime_type,
            file_size=size,
            sha256=digest.hexdigest(),
            is_public=command.is_public,
            course_id=command.course_id,
            created_at=now,
        )
        try:
            async with self._uow.begin() as tx:
                await tx.files.add(file)
                await tx.outbox.add(
                    FileUploaded(
                        file_id=file.id,
                        uploader_id=file.uploader_id,
                        course_id=file.course_id,
                        file_type=file.file_type.value,
                        mime_type=file.mime_type,
                        file_size=file.file_size,
                        storage_provider=file.storage_provider,
                        storage_path=file.storage_path,
                    )
                )
                await tx.commit()
        except BaseException:
            await _shielded(self._storage.delete(path))
            raise
        return self._view(file)

    # -- reading --------------------------------------------------------------------------------

    async def get_file(self, actor: Actor, file_id: UUID) -> FileView:
        async with self._uow.begin(write=False) as tx:
            file = await self._downloadable(tx, actor, file_id)
        return self._view(file)

    async def list_my_files(self, actor: Actor, query: ListMyFiles) -> Page[FileView]:
        """The caller's own uploads, newest first."""
        uploader_id = actor.require_user()
        async with self._uow.begin(write=False) as tx:
            files, total = await tx.files.list_for_uploader(uploader_id, query)
        return query.page_of([self._view(f) for f in files], total)

    async def download(self, actor: Actor, file_id: UUID, byte_range: ByteRange | None = None) -> FileDownload:
        """The file's bytes (all, or one range), or a short-lived direct URL where the storage offers one."""
        async with self._uow.begin(write=False) as tx:
            file = await self._downloadable(tx, actor, file_id)
        view = self._view(file)
        if self._downloads.presigned:
            url = await self._storage.presigned_url(
                file.storage_path,
                expires_seconds=self._downloads.presigned_seconds,
                download_name=file.original_filename,
                content_type=file.mime_type,
            )
            if url is not None:
                return FileDownload(
                    file=view, redirect_url=url, content=None, first=0, last=file.file_size - 1, partial=False
                )
        first, last = _span(byte_range, file.file_size)
        try:
            content = await self._storage.open_range(file.storage_path, first, last)
        except FileNotFoundError:
            log.error("file %s has a row but no stored object at %s", file.id, file.storage_path)
            raise FileContentMissing(
                "the file's content is missing from storage", details={"file_id": str(file.id)}
            ) from None
        return FileDownload(
            file=view, redirect_url=None, content=content, first=first, last=last, partial=byte_range is not None
        )

    # -- deletion -------------------------------------------------------------------------------

    async def delete_file(self, actor: Actor, file_id: UUID) -> None:
        """Remove the stored object and the row (the uploader or an admin).

        The object goes first, inside the row's transaction: if storage fails, nothing changes and the
        caller may retry; if the commit then fails, a retry finds the row and finishes the job.
        """
        actor.require_user()
        async with self._uow.begin() as tx:
            file = await tx.files.get_for_update(file_id)
            if file is None:
                raise file_not_found(file_id)
            require_can_delete(actor, file, visible=await self._may_download(tx, actor, file))
            await tx.files.delete(file.id)
            await tx.outbox.add(
                FileDeleted(
                    file_id=file.id,
                    uploader_id=file.uploader_id,
                    deleted_by=actor.user_id,
                    course_id=file.course_id,
                    file_size=file.file_size,
                    storage_provider=file.storage_provider,
                    storage_path=file.storage_path,
                )
            )
            await self._storage.delete(file.storage_path)
            await tx.commit()

    # -- helpers --------------------------------------------------------------------------------

    def _view(self, file: UploadedFile) -> FileView:
        return FileView.of(file, file_url=self._links.download_url(file.id))

    async def _downloadable(self, tx: Transaction, actor: Actor, file_id: UUID) -> UploadedFile:
        file = await tx.files.get(file_id)
        if file is None or not await self._may_download(tx, actor, file):
            raise file_not_found(file_id)
        return file

    async def _may_download(self, tx: Transaction, actor: Actor, file: UploadedFile) -> bool:
        if not needs_course_check(actor, file) or file.course_id is None:
            return can_download(actor, file)
        course = await load_course(tx, file.course_id)
        return can_download(
            actor, file, manager=is_course_manager(actor, course), enrolled=await is_enrolled(tx, actor, course.id)
        )


def _too_large(kind: ContentKind, limit: int) -> FileTooLarge:
    return FileTooLarge(
        f"{kind.file_type.value} files ({kind.mime_type}) may be at most {limit} bytes",
        details={"field": "file", "file_type": kind.file_type.value, "limit_bytes": limit},
    )


async def _read_head(content: AsyncIterator[bytes], wanted: int) -> tuple[bytes, bool]:
    """At least `wanted` bytes from the start of `content` (fewer if it ends first), and whether it ended."""
    parts: list[bytes] = []
    have = 0
    while have < wanted:
        try:
            chunk = await anext(content)
        except StopAsyncIteration:
            return b"".join(parts), True
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts), False


async def _metered(
    head: bytes, rest: AsyncIterator[bytes] | None, digest: hashlib._Hash, limit: int, too_large: LmsError
) -> AsyncIterator[bytes]:
    """The content again, hashed and counted; raises as soon as it passes the limit, whatever the storage does."""
    size = len(head)
    if size > limit:
        raise too_large
    digest.update(head)
    yield head
    if rest is None:
        return
    async for chunk in rest:
        if not chunk:
            continue
        size += len(chunk)
        if size > limit:
            raise too_large
        digest.update(chunk)
        yield chunk


def _span(byte_range: ByteRange | None, size: int) -> tuple[int, int]:
    """First and last byte to send (inclusive), as RFC 9110 section 14.1.2 resolves a single range."""
    if byte_range is None:
        return 0, size - 1
    if byte_range.first is not None:
        if byte_range.first >= size:
            raise RangeNotSatisfiable(f"the file has {size} bytes; the range starts past its end", size=size)
        last = size - 1 if byte_range.last is None else min(byte_range.last, size - 1)
        return byte_range.first, last
    suffix = byte_range.suffix_length or 0
    if suffix == 0 or size == 0:
        raise RangeNotSatisfiable("an empty suffix range selects no bytes", size=size)
    return max(0, size - suffix), size - 1


async def _shielded(cleanup: Awaitable[None]) -> None:
    """Run a clean-up to its end even if the request is being cancelled; log (not raise) its failure."""
    try:
        await asyncio.shield(cleanup)
    except Exception:
        log.exception("could not remove a stored object after a failed upload")
