"""Sample file contents, chunked streams, storage doubles and a look into the memory store."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator, Iterable
from typing import Any

import fsspec  # type: ignore[import-untyped]

from lms_adapters.settings import Settings
from lms_adapters.storage import FsspecFileStorage
from lms_core.shared.errors import ExternalServiceError

# The first bytes are what type detection reads; the rest is filler.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
GIF = b"GIF89a" + bytes(range(256)) * 2
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64)
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 4 + b"%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 4
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + bytes(128)
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + bytes(128)
MKV = b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska" + bytes(128)
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256))
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(256)
CSV = b"name,score\nAda,10\nGrace,9\n"
TEXT = "Notes on lesson one: caf\u00e9, na\u00efve, \u65e5\u672c\u8a9e.\n".encode()
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(256)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def office_document(kind: str = "word") -> bytes:
    """A minimal OOXML container: `word`, `xl` or `ppt`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        main = {"word": "word/document.xml", "xl": "xl/workbook.xml", "ppt": "ppt/presentation.xml"}[kind]
        archive.writestr(main, '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("code/main.py", "print('hello')\n")
    return buffer.getvalue()


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def from_parts(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def collect(content: AsyncIterator[bytes] | None) -> bytes:
    assert content is not None
    return b"".join([chunk async for chunk in content])


def memory_objects(settings: Settings) -> list[str]:
    """Every object under the engine's `memory://` storage root, relative to it."""
    assert settings.storage_url.startswith("memory://"), settings.storage_url
    root = "/" + settings.storage_url.removeprefix("memory://").strip("/")
    fs = fsspec.filesystem("memory")
    if not fs.exists(root):
        return []
    return sorted(path.removeprefix(root + "/") for path in fs.find(root))


class FailingStorage:
    """A `FileStorage` delegating to a real one, failing where a test says."""

    def __init__(self, delegate: FsspecFileStorage, *, fail_put_after_chunks: int | None = None) -> None:
        self.delegate = delegate
        self.fail_put_after_chunks = fail_put_after_chunks
        self.fail_delete = False
        self.deleted: list[str] = []

    @property
    def provider(self) -> str:
        return self.delegate.provider

    async def put_bytes(self, path: str, data: bytes, *, content_type: str) -> None:
        await self.delegate.put_bytes(path, data, content_type=content_type)

    async def put_stream(self, path: str, chunks: AsyncIterator[bytes], *, content_type: str, max_bytes: int) -> int:
        if self.fail_put_after_chunks is None:
            return await self.delegate.put_stream(path, chunks, content_type=content_type, max_bytes=max_bytes)
        limit = self.fail_put_after_chunks

        async def failing() -> AsyncIterator[bytes]:
            count = 0
            async for chunk in chunks:
                if count == limit:
                    raise ExternalServiceError("storage went away", code="storage.unavailable")
                count += 1
                yield chunk

        # The real adapter underneath writes, then meets the failure and must clean up after itself.
        return await self.delegate.put_stream(path, failing(), content_type=content_type, max_bytes=max_bytes)

    async def get_bytes(self, path: str) -> bytes:
        return await self.delegate.get_bytes(path)

    async def open_range(self, path: str, start: int, end: int | None) -> AsyncIterator[bytes]:
        return await self.delegate.open_range(path, start, end)

    async def size(self, path: str) -> int:
        return await self.delegate.size(path)

    async def exists(self, path: str) -> bool:
        return await self.delegate.exists(path)

    async def delete(self, path: str) -> None:
        if self.fail_delete:
            raise ExternalServiceError("storage went away", code="storage.unavailable")
        self.deleted.append(path)
        await self.delegate.delete(path)

    async def presigned_url(self, path: str, **kwargs: Any) -> str | None:
        return await self.delegate.presigned_url(path, **kwargs)
