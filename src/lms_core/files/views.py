"""Outputs of the files module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import msgspec

from lms_core.files.entities import FileType, UploadedFile


class FileView(msgspec.Struct, frozen=True, kw_only=True):
    """An uploaded file. `file_url` is where it is downloaded (given by the front end serving downloads,
    through `FileLinks`); the storage path stays internal."""

    id: UUID
    uploader_id: UUID
    filename: str
    original_filename: str
    file_url: str
    file_type: FileType
    mime_type: str
    file_size: int
    sha256: str
    folder: str
    storage_provider: str
    is_public: bool
    course_id: UUID | None
    created_at: datetime

    @classmethod
    def of(cls, file: UploadedFile, *, file_url: str) -> FileView:
        return cls(
            id=file.id,
            uploader_id=file.uploader_id,
            filename=file.filename,
            original_filename=file.original_filename,
            file_url=file_url,
            file_type=file.file_type,
            mime_type=file.mime_type,
            file_size=file.file_size,
            sha256=file.sha256,
            folder=file.folder,
            storage_provider=file.storage_provider,
            is_public=file.is_public,
            course_id=file.course_id,
            created_at=file.created_at,
        )


@dataclass(frozen=True, slots=True)
class FileDownload:
    """A download the caller may make: either a short-lived direct URL (`redirect_url`), or `content`,
    the bytes `first`..`last` (inclusive) of the file, streamed. `partial` is true for a range request."""

    file: FileView
    redirect_url: str | None
    content: AsyncIterator[bytes] | None
    first: int
    last: int
    partial: bool

    @property
    def length(self) -> int:
        return self.last - self.first + 1 if self.file.file_size else 0
