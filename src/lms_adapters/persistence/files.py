"""Uploaded-files repository: rows to `UploadedFile` entities and back, explicitly."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.models import uploaded_files
from lms_adapters.persistence.paging import fetch_page
from lms_core.files.commands import ListMyFiles
from lms_core.files.entities import FileType, UploadedFile
from lms_core.shared.ids import UserId


def to_file(m: Any) -> UploadedFile:
    return UploadedFile(
        id=m["id"],
        uploader_id=UserId(m["uploader_id"]),
        filename=m["filename"],
        original_filename=m["original_filename"],
        storage_path=m["storage_path"],
        storage_provider=m["storage_provider"],
        folder=m["folder"],
        file_type=FileType(m["file_type"]),
        mime_type=m["mime_type"],
        file_size=m["file_size"],
        sha256=m["sha256"],
        is_public=m["is_public"],
        course_id=m["course_id"],
        created_at=m["created_at"],
    )


class SqlFileRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, file: UploadedFile) -> None:
        await self._c.execute(
            insert(uploaded_files).values(
                id=file.id,
                uploader_id=file.uploader_id,
                filename=file.filename,
                original_filename=file.original_filename,
                storage_path=file.storage_path,
                storage_provider=file.storage_provider,
                folder=file.folder,
                file_type=file.file_type.value,
                mime_type=file.mime_type,
                file_size=file.file_size,
                sha256=file.sha256,
                is_public=file.is_public,
                course_id=file.course_id,
                created_at=file.created_at,
            )
        )

    async def get(self, file_id: UUID) -> UploadedFile | None:
        row = (await self._c.execute(select(uploaded_files).where(uploaded_files.c.id == file_id))).first()
        return to_file(row._mapping) if row else None

    async def get_for_update(self, file_id: UUID) -> UploadedFile | None:
        query = select(uploaded_files).where(uploaded_files.c.id == file_id).with_for_update()
        row = (await self._c.execute(query)).first()
        return to_file(row._mapping) if row else None

    async def delete(self, file_id: UUID) -> bool:
        result = await self._c.execute(delete(uploaded_files).where(uploaded_files.c.id == file_id))
        return bool(result.rowcount)

    async def list_for_uploader(self, uploader_id: UserId, query: ListMyFiles) -> tuple[list[UploadedFile], int]:
        conditions = [uploaded_files.c.uploader_id == uploader_id]
        if query.file_type is not None:
            conditions.append(uploaded_files.c.file_type == query.file_type.value)
        ordered = select(uploaded_files).order_by(uploaded_files.c.created_at.desc(), uploaded_files.c.id.desc())
        rows, total = await fetch_page(
            self._c, ordered, table=uploaded_files, conditions=conditions, offset=query.offset, limit=query.limit
        )
        return [to_file(row._mapping) for row in rows], total
