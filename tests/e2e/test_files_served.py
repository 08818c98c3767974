"""Uploads and downloads through a real `lms serve` process, with files on local disk."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.e2e.servers import start, stop, wait_healthy
from tests.support.files import MP4, PNG
from tests.support.network import free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

VIDEO_LIMIT = 4 * 1024 * 1024


@dataclass(frozen=True)
class Served:
    base: str
    port: int
    storage: Path
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def stored(self) -> list[Path]:
        return sorted(p for p in self.storage.rglob("*") if p.is_file()) if self.storage.exists() else []


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    workdir = tmp_path_factory.mktemp("files-e2e")
    port = free_port()
    env = {
        "LMS_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'e2e.db'}",
        "LMS_SECRET_KEY": TEST_SECRET,
        "LMS_PASSWORD_HASHING": "fast",
        "LMS_MAIL_DIR": str(workdir / "mail"),
        "LMS_STORAGE_URL": "file://./files",  # relative to the server's working directory
        "LMS_MAX_VIDEO_BYTES": str(VIDEO_LIMIT),
    }
    assert start(["db", "upgrade"], env, workdir).wait(timeout=60) == 0
    server = start(["serve", "--port", str(port)], env, workdir)
    try:
        wait_healthy(server, port)
        base = f"http://127.0.0.1:{port}/api/v1"
        registered = httpx.post(
            f"{base}/auth/register",
            # An instructor: learners may publish only small images, and this test publishes a video.
            json={
                "email": "files@example.com",
                "password": "a long e2e passphrase",
                "full_name": "Files E2E",
                "role": "instructor",
            },
            timeout=10,
        )
        assert registered.status_code == 201, registered.text
        yield Served(base, port, workdir / "files", registered.json()["access_token"])
    finally:
        code, output = stop(server)
    assert code == 0, output
    assert "Traceback" not in output, output


def test_a_large_upload_streams_to_disk_and_downloads_in_ranges(served: Served) -> None:
    video = MP4 + bytes(range(256)) * (3 * 4096)  # 3 MiB: three times the API's body limit
    response = httpx.post(
        f"{served.base}/files/upload",
        files={"file": ("Lecture 1.mp4", video, "video/mp4")},
        data={"is_public": "true"},
        headers=served.headers,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["sha256"] == hashlib.sha256(video).hexdigest()
    on_disk = served.storage / "uploads" / body["created_at"][:4] / body["created_at"][5:7] / f"{body['id']}.mp4"
    assert on_disk.read_bytes() == video

    url = f"http://127.0.0.1:{served.port}{body['file_url']}"
    whole = httpx.get(url, timeout=30)
    assert whole.status_code == 200
    assert whole.content == video
    assert whole.headers["content-length"] == str(len(video))
    assert (
        whole.headers["content-disposition"]
        == "attachment; filename=\"Lecture 1.mp4\"; filename*=UTF-8''Lecture%201.mp4"
    )
    part = httpx.get(url, headers={"Range": "bytes=1000000-1000099"}, timeout=10)
    assert part.status_code == 206
    assert part.content == video[1_000_000:1_000_100]
    assert part.headers["content-range"] == f"bytes 1000000-1000099/{len(video)}"


def test_an_oversize_upload_is_refused_mid_stream_and_leaves_nothing(served: Served) -> None:
    before = served.stored()
    too_big = MP4 + bytes(VIDEO_LIMIT)
    response = httpx.post(
        f"{served.base}/files/upload",
        files={"file": ("huge.mp4", too_big, "video/mp4")},
        headers=served.headers,
        timeout=30,
    )
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "files.too_large"
    assert served.stored() == before


def test_a_client_that_disconnects_mid_upload_leaves_nothing(served: Served) -> None:
    before = served.stored()
    boundary = "e2e-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + PNG
    announced = len(head) + 1_000_000
    request = (
        (
            f"POST /api/v1/files/upload HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
            f"Authorization: Bearer {served.token}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {announced}\r\n\r\n"
        ).encode()
        + head
        + bytes(200_000)
    )
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(request)
        # Proof that there is something to clean up: the server is writing the partial upload.
        wait_until(
            lambda: any(".partial" in path.parts for path in served.stored()),
            within=60,
            what="the server to start writing the partial upload",
        )
    wait_until(lambda: served.stored() == before, within=60, what="the partial upload to be removed")
    assert httpx.get(f"http://127.0.0.1:{served.port}/health", timeout=5).status_code == 200
