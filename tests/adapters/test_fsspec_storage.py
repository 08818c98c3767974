"""`FsspecFileStorage` on local disk, in memory, and on S3 (a real moto server)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import fsspec  # type: ignore[import-untyped]
import httpx
import pytest

from lms_adapters.storage import FsspecFileStorage
from lms_core.files.entities import attachment_disposition
from lms_core.files.errors import FileTooLarge
from tests.support.files import chunks_of
from tests.support.s3 import MotoS3, moto_s3

__all__ = ["moto_s3"]

DATA = bytes(range(256)) * 4096  # 1 MiB


class Backend:
    """One storage under test, with a way to see everything it holds (partial uploads included)."""

    def __init__(self, kind: str, url: str, options: dict[str, Any], fs: Any, root: str) -> None:
        self.kind = kind
        self.url = url
        self.options = options
        self.fs = fs
        self.root = root

    def storage(self, **extra: Any) -> FsspecFileStorage:
        return FsspecFileStorage(self.url, **self.options, **extra)

    def leftovers(self) -> list[str]:
        if not self.fs.exists(self.root):
            return []
        return sorted(self.fs.find(self.root))

    def open_multipart_uploads(self) -> list[Any]:
        if self.kind != "s3":
            return []
        bucket = self.root.split("/", 1)[0]
        listing = self.fs.call_s3("list_multipart_uploads", Bucket=bucket, Prefix=self.root.split("/", 1)[1])
        return list(listing.get("Uploads", []))


@pytest.fixture(params=["file", "memory", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "file":
        root = tmp_path / "storage"
        yield Backend("file", f"file://{root}", {}, fsspec.filesystem("file"), str(root))
    elif request.param == "memory":
        name = f"fsspec-test-{uuid.uuid4().hex}"
        fs = fsspec.filesystem("memory")
        yield Backend("memory", f"memory://{name}", {}, fs, f"/{name}")
        if fs.exists(f"/{name}"):
            fs.rm(f"/{name}", recursive=True)
    else:
        s3: MotoS3 = request.getfixturevalue("moto_s3")
        url = s3.url()
        yield Backend("s3", url, s3.options(), s3.filesystem(), url.removeprefix("s3://"))


async def test_bytes_round_trip_and_deletion(backend: Backend) -> None:
    storage = backend.storage()
    assert storage.provider == {"file": "local", "memory": "memory", "s3": "s3"}[backend.kind]
    path = "certificates/2026/CERT-20260101-ABCDEF12.pdf"
    assert not await storage.exists(path)
    await storage.put_bytes(path, b"%PDF-1.7 certificate", content_type="application/pdf")
    assert await storage.exists(path)
    assert await storage.size(path) == 20
    assert await storage.get_bytes(path) == b"%PDF-1.7 certificate"
    await storage.delete(path)
    assert not await storage.exists(path)
    await storage.delete(path)  # deleting a missing object is not an error
    with pytest.raises(FileNotFoundError):
        await storage.get_bytes(path)
    with pytest.raises(FileNotFoundError):
        await storage.open_range(path, 0, None)
    assert backend.leftovers() == []


async def test_a_stream_is_stored_and_read_back_in_ranges(backend: Backend) -> None:
    storage = backend.storage(read_chunk=100_000)
    path = "uploads/2026/01/0190f0f0-0000-7000-8000-000000000001.mp4"
    size = await storage.put_stream(path, chunks_of(DATA, 10_000), content_type="video/mp4", max_bytes=len(DATA))
    assert size == len(DATA)
    assert await storage.size(path) == len(DATA)
    for start, end in [(0, None), (0, 0), (10, 99), (len(DATA) - 1, None), (123_456, 654_321), (5, 10**9)]:
        content = await storage.open_range(path, start, end)
        parts = [chunk async for chunk in content]
        assert b"".join(parts) == DATA[start : None if end is None else end + 1]
        assert all(len(part) <= 100_000 for part in parts)
    assert backend.leftovers() == [f"{backend.root}/{path}"]


async def test_an_oversize_stream_is_refused_and_nothing_is_left(backend: Backend) -> None:
    storage = backend.storage()
    path = "uploads/2026/01/too-big.bin"
    with pytest.raises(FileTooLarge):
        await storage.put_stream(path, chunks_of(DATA, 10_000), content_type="video/mp4", max_bytes=len(DATA) - 1)
    assert not await storage.exists(path)
    assert backend.leftovers() == []
    assert backend.open_multipart_uploads() == []


async def test_a_failing_source_leaves_nothing(backend: Backend) -> None:
    """On S3 this crosses the part size, so a multipart upload has started and must be aborted."""
    storage = backend.storage()
    path = "uploads/2026/01/broken.bin"
    big = DATA * 12

    async def breaks_after_eleven_mib() -> AsyncIterator[bytes]:
        sent = 0
        async for chunk in chunks_of(big, 256 * 1024):
            yield chunk
            sent += len(chunk)
            if sent >= 11 * len(DATA):
                raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await storage.put_stream(path, breaks_after_eleven_mib(), content_type="video/mp4", max_bytes=len(big))
    assert backend.leftovers() == []
    assert backend.open_multipart_uploads() == []


async def test_a_cancelled_upload_leaves_nothing(backend: Backend) -> None:
    storage = backend.storage()
    started = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        yield DATA
        started.set()
        await asyncio.Event().wait()
        yield b"never"

    task = asyncio.create_task(
        storage.put_stream("uploads/2026/01/stalled.bin", stalls(), content_type="text/plain", max_bytes=10**9)
    )
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert backend.leftovers() == []
    assert backend.open_multipart_uploads() == []


async def test_large_s3_uploads_go_up_in_parts(moto_s3: MotoS3) -> None:
    url = moto_s3.url()
    storage = FsspecFileStorage(url, **moto_s3.options())
    fs = moto_s3.filesystem()
    big = DATA * 20  # 20 MiB: three parts of 8 MiB at most
    path = "uploads/2026/01/lecture.mp4"
    assert await storage.put_stream(path, chunks_of(big, 64 * 1024), content_type="video/mp4", max_bytes=len(big)) == (
        len(big)
    )
    info = fs.info(f"{url.removeprefix('s3://')}/{path}")
    assert info["size"] == len(big)
    assert info["ContentType"] == "video/mp4"
    assert "-" in info["ETag"]  # a multipart object's ETag is "<digest>-<number of parts>"
    assert b"".join([chunk async for chunk in await storage.open_range(path, 0, None)]) == big


async def test_local_uploads_reach_the_disk_while_they_stream(tmp_path: Path) -> None:
    """The upload is never held whole: by its tenth block, earlier blocks are already on disk."""
    root = tmp_path / "storage"
    storage = FsspecFileStorage(f"file://{root}", write_block=64 * 1024)
    seen_on_disk: list[int] = []

    async def source() -> AsyncIterator[bytes]:
        for number in range(16):
            if number == 10:
                seen_on_disk.append(sum(p.stat().st_size for p in (root / ".partial").iterdir()))
            yield DATA[number * 65536 : (number + 1) * 65536]

    await storage.put_stream("uploads/x.bin", source(), content_type="video/mp4", max_bytes=len(DATA))
    assert seen_on_disk[0] >= 9 * 65536
    assert (root / "uploads" / "x.bin").read_bytes() == DATA
    assert list((root / ".partial").iterdir()) == []


async def test_the_local_root_is_created_when_first_written(tmp_path: Path) -> None:
    root = tmp_path / "not" / "yet"
    storage = FsspecFileStorage(f"file://{root}")
    assert not root.exists()
    assert not await storage.exists("a.txt")
    await storage.put_bytes("uploads/2026/01/a.txt", b"hello", content_type="text/plain")
    assert (root / "uploads" / "2026" / "01" / "a.txt").read_bytes() == b"hello"


@pytest.mark.parametrize(
    "path",
    ["", "/etc/passwd", "../outside.txt", "uploads/../../x", "uploads//x", "uploads/./x", ".partial/x", "a\\b", "a/b/"],
)
async def test_only_plain_relative_paths_are_accepted(backend: Backend, path: str) -> None:
    storage = backend.storage()
    with pytest.raises(ValueError, match="not a valid storage path"):
        await storage.put_bytes(path, b"x", content_type="text/plain")
    with pytest.raises(ValueError, match="not a valid storage path"):
        await storage.get_bytes(path)


async def test_presigned_urls_exist_only_on_s3(backend: Backend) -> None:
    storage = backend.storage()
    path = "uploads/2026/01/report.pdf"
    await storage.put_bytes(path, b"%PDF-1.7 report", content_type="application/pdf")
    url = await storage.presigned_url(
        path, expires_seconds=60, download_name="Résumé 2026.pdf", content_type="application/pdf"
    )
    if backend.kind != "s3":
        assert url is None
        return
    assert url is not None
    assert "X-Amz-Signature=" in url or "Signature=" in url
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
        assert response.status_code == 200
        assert response.content == b"%PDF-1.7 report"
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == attachment_disposition("Résumé 2026.pdf")
        ranged = await client.get(url, headers={"Range": "bytes=0-3"})
        assert ranged.status_code == 206
        assert ranged.content == b"%PDF"
        tampered = await client.get(url.replace("report.pdf", "other.pdf"))
        assert tampered.status_code == 403


def test_a_url_without_a_root_is_refused() -> None:
    with pytest.raises(ValueError, match="names no directory or bucket"):
        FsspecFileStorage("s3://", key="x", secret="y")
