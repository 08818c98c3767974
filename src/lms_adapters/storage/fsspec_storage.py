"""`FileStorage` over fsspec: local disk (`file://`, the default), `memory://` (tests) and S3 (`s3://`, s3fs).

fsspec's calls block (s3fs runs its own event loop in a thread behind its synchronous API), so each one
runs in a worker thread. Uploads are written as they arrive, in blocks of at most `write_block` bytes:
on local disk and in memory into a temporary object moved into place once complete and within its
limit; on S3 straight to the key as a multipart upload, aborted (and the key removed) on failure.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fsspec.core import url_to_fs  # type: ignore[import-untyped]

from lms_core.files.entities import attachment_disposition
from lms_core.files.errors import FileTooLarge
from lms_core.shared.errors import ExternalServiceError, LmsError

log = logging.getLogger("lms.storage")

T = TypeVar("T")

READ_CHUNK = 256 * 1024
WRITE_BLOCK = 1024 * 1024
# S3 multipart uploads need parts of at least 5 MiB (all but the last).
S3_PART = 8 * 1024 * 1024
PARTIAL_DIR = ".partial"

# One segment of an engine-made path: no empty, hidden (`.`, `..`, `.partial`) or exotic segments.
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,254}")
_PROVIDERS = {"file": "local", "local": "local", "memory": "memory", "s3": "s3", "s3a": "s3"}


class FsspecFileStorage:
    """Implements the core's `FileStorage` on any fsspec URL; `options` go to the filesystem (s3fs:
    `endpoint_url`, `key`, `secret`, `client_kwargs`, `config_kwargs`...).

    `file://./var/storage` keeps objects under that directory (created when first written to);
    `memory://name` in the process's shared memory store; `s3://bucket/prefix` under that prefix.
    """

    def __init__(
        self, url: str, *, read_chunk: int = READ_CHUNK, write_block: int = WRITE_BLOCK, **options: Any
    ) -> None:
        self._fs, root = url_to_fs(url, **options)
        protocols = self._fs.protocol if isinstance(self._fs.protocol, tuple) else (self._fs.protocol,)
        self._provider = next((_PROVIDERS[p] for p in protocols if p in _PROVIDERS), str(protocols[0]))
        self._root = str(root).rstrip("/")
        if not self._root and self._provider != "memory":
            raise ValueError(f"the storage URL {url!r} names no directory or bucket")
        self._read_chunk = read_chunk
        self._write_block = max(write_block, S3_PART) if self._is_s3 else write_block

    @property
    def provider(self) -> str:
        return self._provider

    @property
    def _is_s3(self) -> bool:
        return self._provider == "s3"

    def full_path(self, path: str) -> str:
        """The backend's path for an engine path; refuses anything that is not a plain relative path."""
        segments = path.split("/")
        if not all(_SEGMENT.fullmatch(segment) for segment in segments):
            raise ValueError(f"not a valid storage path: {path!r}")
        return f"{self._root}/{path}"

    # -- writing --------------------------------------------------------------------------------

    async def put_bytes(self, path: str, data: bytes, *, content_type: str) -> None:
        async def single() -> AsyncIterator[bytes]:
            yield data

        await self.put_stream(path, single(), content_type=content_type, max_bytes=len(data))

    async def put_stream(self, path: str, chunks: AsyncIterator[bytes], *, content_type: str, max_bytes: int) -> int:
        final = self.full_path(path)
        # Local disk and memory: write aside, move into place when complete. S3: a multipart upload
        # becomes visible only when completed, so the key itself is written.
        target = final if self._is_s3 else f"{self._root}/{PARTIAL_DIR}/{uuid.uuid4().hex}"
        handle = await self._call(self._open_for_writing, target, content_type)
        size = 0
        block = bytearray()
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge(
                        f"the content is larger than {max_bytes} bytes", details={"limit_bytes": max_bytes}
                    )
                block += chunk
                if len(block) >= self._write_block:
                    await self._call(handle.write, bytes(block))
                    block.clear()
            if block:
                await self._call(handle.write, bytes(block))
            await self._call(handle.close)
            if target != final:
                await self._call(self._move, target, final)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._abandon, handle, target)
            raise
        return size

    def _open_for_writing(self, target: str, content_type: str) -> Any:
        if self._is_s3:
            return self._fs.open(target, "wb", block_size=self._write_block, ContentType=content_type)
        self._fs.makedirs(self._fs._parent(target), exist_ok=True)
        return self._fs.open(target, "wb")

    def _move(self, source: str, destination: str) -> None:
        self._fs.makedirs(self._fs._parent(destination), exist_ok=True)
        self._fs.mv(source, destination)

    def _abandon(self, handle: Any, target: str) -> None:
        """Leave nothing behind after a failed write: abort the upload, remove whatever was written."""
        try:
            if self._is_s3:
                handle.discard()  # aborts the multipart upload, if one was started
                handle.closed = True  # nothing left to flush: keeps the finaliser from completing it
            else:
                handle.close()
        except Exception:
            log.warning("could not close an abandoned upload to %s", target, exc_info=True)
        try:
            if self._fs.exists(target):
                self._fs.rm_file(target)
        except Exception:
            log.warning("could not remove the partial object %s", target, exc_info=True)

    # -- reading --------------------------------------------------------------------------------

    async def get_bytes(self, path: str) -> bytes:
        data: bytes = await self._call(self._fs.cat_file, self.full_path(path))
        return data

    async def open_range(self, path: str, start: int, end: int | None) -> AsyncIterator[bytes]:
        """Opens now (a missing object raises `FileNotFoundError` here, before any byte is sent)."""
        if start < 0 or (end is not None and end < start - 1):
            raise ValueError(f"invalid byte range {start}-{end}")
        handle = await self._call(self._open_for_reading, self.full_path(path))
        return self._read(handle, start, end)

    def _open_for_reading(self, full: str) -> Any:
        if self._is_s3:
            # No read-ahead cache: each read is one ranged GET of the size asked.
            return self._fs.open(full, "rb", block_size=self._read_chunk, cache_type="none")
        return self._fs.open(full, "rb")

    async def _read(self, handle: Any, start: int, end: int | None) -> AsyncIterator[bytes]:
        try:
            await anyio.to_thread.run_sync(handle.seek, start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                wanted = self._read_chunk if remaining is None else min(self._read_chunk, remaining)
                chunk: bytes = await anyio.to_thread.run_sync(handle.read, wanted)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(handle.close)

    async def size(self, path: str) -> int:
        size: int = await self._call(self._fs.size, self.full_path(path))
        return size

    async def exists(self, path: str) -> bool:
        found: bool = await self._call(self._fs.exists, self.full_path(path))
        return found

    # -- deleting and links ---------------------------------------------------------------------

    async def delete(self, path: str) -> None:
        await self._call(self._remove, self.full_path(path))

    def _remove(self, full: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._fs.rm_file(full)

    async def presigned_url(
        self, path: str, *, expires_seconds: int, download_name: str | None = None, content_type: str | None = None
    ) -> str | None:
        if not self._is_s3:
            return None
        params: dict[str, str] = {}
        if download_name is not None:
            params["ResponseContentDisposition"] = attachment_disposition(download_name)
        if content_type is not None:
            params["ResponseContentType"] = content_type
        url: str = await self._call(partial(self._fs.url, self.full_path(path), expires=expires_seconds, **params))
        return url

    # -- plumbing -------------------------------------------------------------------------------

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        """Run a blocking fsspec call in a thread; a backend failure becomes `ExternalServiceError`.

        `FileNotFoundError` passes through (callers tell a missing object from a broken storage), as do
        the engine's own errors.
        """
        try:
            return await anyio.to_thread.run_sync(function, *args)
        except (FileNotFoundError, LmsError, ValueError):
            raise
        except Exception as exc:
            log.warning("file storage call %s failed: %s", getattr(function, "__name__", function), exc)
            raise ExternalServiceError("the file storage is unavailable", code="storage.unavailable") from exc
