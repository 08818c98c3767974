"""Ports of the files module. `FileStorage` is shared: certificates store their PDFs through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol
from uuid import UUID

from lms_core.files.commands import ListMyFiles
from lms_core.files.entities import UploadedFile
from lms_core.shared.ids import UserId


class FileStorage(Protocol):
    """An object store addressed by relative paths such as `uploads/2026/11/<uuid>.pdf`.

    Paths are always made by the engine, never taken from a client.
    """

    @property
    def provider(self) -> str:
        """`local`, `memory` or `s3`."""
        ...

    async def put_bytes(self, path: str, data: bytes, *, content_type: str) -> None: ...

    async def put_stream(self, path: str, chunks: AsyncIterator[bytes], *, content_type: str, max_bytes: int) -> int:
        """Store a stream without holding it in memory; return its size. Raise (and leave nothing
        behind) when it exceeds `max_bytes`."""
        ...

    async def get_bytes(self, path: str) -> bytes: ...

    async def open_range(self, path: str, start: int, end: int | None) -> AsyncIterator[bytes]:
        """The bytes from `start` to `end` inclusive (to the end when None), in chunks."""
        ...

    async def size(self, path: str) -> int: ...

    async def exists(self, path: str) -> bool: ...

    async def delete(self, path: str) -> None:
        """Remove the object; a missing object is not an error."""
        ...

    async def presigned_url(
        self, path: str, *, expires_seconds: int, download_name: str | None = None, content_type: str | None = None
    ) -> str | None:
        """A short-lived direct download URL where the backend offers one (S3), else None.

        `download_name` and `content_type`, when given, are what the backend answers the download with
        (`Content-Disposition: attachment` with that name, and `Content-Type`).
        """
        ...


class FileRepository(Protocol):
    async def add(self, file: UploadedFile) -> None: ...

    async def get(self, file_id: UUID) -> UploadedFile | None: ...

    async def get_for_update(self, file_id: UUID) -> UploadedFile | None:
        """Like `get`, locking the row until the transaction ends where the database can."""
        ...

    async def delete(self, file_id: UUID) -> bool:
        """Remove the row; False if it was already gone."""
        ...

    async def list_for_uploader(self, uploader_id: UserId, query: ListMyFiles) -> tuple[list[UploadedFile], int]:
        """One page of a user's uploads, newest first, with the total."""
        ...


class FileLinks(Protocol):
    """Where clients download a file. The address belongs to the front end that serves downloads, which
    the core does not know; the composition root gives one."""

    def download_url(self, file_id: UUID) -> str: ...
