"""Events of the files module: an object stored or removed, recorded with the row that describes it.

They feed storage accounting and clean-up (a deleted file's object is named, so a sweeper can make
sure it is gone) and analytics of uploads.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from lms_core.shared.events import DomainEvent


class FileUploaded(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "files.uploaded"
    file_id: UUID
    uploader_id: UUID
    course_id: UUID | None
    file_type: str
    mime_type: str
    file_size: int
    storage_provider: str
    storage_path: str


class FileDeleted(DomainEvent, frozen=True, kw_only=True):
    event_type: ClassVar[str] = "files.deleted"
    file_id: UUID
    uploader_id: UUID
    deleted_by: UUID | None
    course_id: UUID | None
    file_size: int
    storage_provider: str
    storage_path: str


# What this module records; the composition root puts these in the engine's event catalogue.
EVENTS: tuple[type[DomainEvent], ...] = (FileUploaded, FileDeleted)
