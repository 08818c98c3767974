"""Spec section 8 over HTTP: streamed uploads, downloads with ranges, the authorization matrix, S3 redirects."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from httpx import AsyncClient

from lms_adapters.bootstrap import open_lms
from lms_adapters.settings import Settings
from lms_core import Lms
from lms_core.enrollments.commands import EnrollInCourse
from lms_core.shared.clock import FixedClock
from lms_http import create_app
from tests.conftest import make_settings
from tests.http.helpers import assert_problem, bearer, expect
from tests.support.asgi import asgi_transport
from tests.support.catalogue import instructor, published_course, student
from tests.support.doubles import RecordingMailer
from tests.support.files import CSV, EXECUTABLE, MP4, PDF, PNG, TEXT, memory_objects
from tests.support.flows import create_admin, login_tokens
from tests.support.roles import signed_in_headers
from tests.support.s3 import MotoS3, moto_s3

__all__ = ["moto_s3"]

ROLES = ["anonymous", "owner", "student", "enrolled", "teacher", "other_teacher", "admin"]


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    course_id: str


@pytest.fixture
async def world(lms: Lms) -> World:
    teacher = await instructor(lms, "teacher@example.com")
    await instructor(lms, "other-teacher@example.com")
    await student(lms, "owner@example.com")
    await student(lms, "student@example.com")
    enrolled = await student(lms, "enrolled@example.com")
    await create_admin(lms, "admin@example.com")
    course = await published_course(lms, teacher, "Files", lessons=1)
    await lms.enrollments.enroll(enrolled, EnrollInCourse(course_id=course.id))
    headers = await signed_in_headers(lms, {role: f"{role.replace('_', '-')}@example.com" for role in ROLES[1:]})
    return World(headers, str(course.id))


async def upload(
    client: AsyncClient,
    headers: dict[str, str],
    data: bytes = PDF,
    *,
    name: str = "notes.pdf",
    mime: str | None = "application/pdf",
    **fields: str,
) -> httpx.Response:
    part: tuple[Any, ...] = (name, data) if mime is None else (name, data, mime)
    return await client.post("/api/v1/files/upload", files={"file": part}, data=fields, headers=headers)


async def uploaded(client: AsyncClient, headers: dict[str, str], data: bytes = PDF, **kwargs: Any) -> dict[str, Any]:
    response = await upload(client, headers, data, **kwargs)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def refusal(status: int, forbidden: str) -> str | None:
    """The problem code of a matrix cell: a 403 names the rule (`forbidden`), 401 and 404 are the same everywhere."""
    return {401: "auth.not_authenticated", 403: forbidden, 404: "files.not_found"}.get(status)


# -- uploads ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "plain", "to_course"),
    [
        ("anonymous", 401, 401),
        ("owner", 201, 403),
        ("enrolled", 201, 403),
        ("other_teacher", 201, 403),
        ("teacher", 201, 201),
        ("admin", 201, 201),
    ],
)
async def test_upload_matrix(client: AsyncClient, world: World, role: str, plain: int, to_course: int) -> None:
    expect(await upload(client, world.headers[role]), plain, refusal(plain, "courses.not_manager"))
    expect(
        await upload(client, world.headers[role], course_id=world.course_id),
        to_course,
        refusal(to_course, "courses.not_manager"),
    )


async def test_an_upload_answers_with_the_file(client: AsyncClient, world: World, settings: Settings) -> None:
    body = await uploaded(client, world.headers["owner"], PNG, name="Photo.png", mime="image/png", is_public="true")
    assert body["file_type"] == "image"
    assert body["mime_type"] == "image/png"
    assert body["original_filename"] == "Photo.png"
    assert body["filename"] == f"{body['id']}.png"
    assert body["file_size"] == len(PNG)
    assert body["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert body["is_public"] is True
    assert body["course_id"] is None
    assert body["file_url"] == f"/api/v1/files/download/{body['id']}"
    assert "storage_path" not in body
    assert memory_objects(settings) == [f"uploads/2026/01/{body['id']}.png"]
    details = await client.get(f"/api/v1/files/{body['id']}", headers=world.headers["owner"])
    assert details.json() == body


@pytest.mark.parametrize(
    ("role", "document", "avatar"),
    [("owner", 403, 201), ("enrolled", 403, 201), ("teacher", 201, 201), ("admin", 201, 201)],
)
async def test_publishing_matrix(
    client: AsyncClient, world: World, settings: Settings, role: str, document: int, avatar: int
) -> None:
    headers = world.headers[role]
    response = await upload(client, headers, PDF, is_public="true")
    if document == 403:
        problem = assert_problem(response, 403, "files.publishing_not_allowed")
        assert problem["details"] == {"field": "is_public", "file_type": "document", "allowed_types": ["image"]}
        assert memory_objects(settings) == []
    else:
        assert response.status_code == 201, response.text
        shared = response.json()
        assert shared["is_public"] is True
        served = await client.get(shared["file_url"])
        assert (served.status_code, served.content) == (200, PDF)
        assert served.headers["cache-control"] == "public, max-age=3600"
    picture = await uploaded(client, headers, PNG, name="me.png", mime="image/png", is_public="true")
    assert picture["is_public"] is True
    assert (await client.get(picture["file_url"])).content == PNG
    mine = await client.get("/api/v1/files/my-files", headers=headers)
    assert {item["id"] for item in mine.json()["items"]} == (
        {picture["id"]} if document == 403 else {picture["id"], response.json()["id"]}
    )


async def test_a_learner_may_not_publish_a_large_image(client: AsyncClient, world: World, settings: Settings) -> None:
    big = PNG + bytes(2 * 1024 * 1024)
    response = await upload(client, world.headers["owner"], big, name="huge.png", mime="image/png", is_public="true")
    problem = assert_problem(response, 403, "files.publishing_not_allowed")
    assert problem["details"] == {"field": "is_public", "file_type": "image", "limit_bytes": 2 * 1024 * 1024}
    assert memory_objects(settings) == []
    # Kept private, the same image is within the image limit.
    assert (await uploaded(client, world.headers["owner"], big, name="huge.png", mime="image/png"))[
        "is_public"
    ] is False


async def test_uploads_larger_than_the_api_body_limit_are_streamed(
    client: AsyncClient, world: World, settings: Settings
) -> None:
    video = MP4 + bytes(range(256)) * 12_000  # about 3 MB, three times the API's 1 MiB body limit
    body = await uploaded(client, world.headers["owner"], video, name="lecture.mp4", mime="video/mp4")
    assert body["file_size"] == len(video)
    assert body["sha256"] == hashlib.sha256(video).hexdigest()
    download = await client.get(body["file_url"], headers=world.headers["owner"])
    assert download.content == video


@asynccontextmanager
async def client_with(settings: Settings, clock: FixedClock) -> AsyncIterator[tuple[AsyncClient, Lms]]:
    async with open_lms(settings, clock=clock, mailer=RecordingMailer()) as lms:
        transport = asgi_transport(create_app(lms))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, lms


async def test_an_oversize_upload_is_413_and_leaves_nothing(database_url: str, clock: FixedClock) -> None:
    settings = make_settings(database_url, max_image_bytes=4096, max_document_bytes=8192)
    async with client_with(settings, clock) as (client, lms):
        await student(lms, "owner@example.com")
        headers = bearer((await login_tokens(lms, "owner@example.com"))[0])
        response = await upload(client, headers, PNG + bytes(5000), name="big.png", mime="image/png")
        problem = assert_problem(response, 413, "files.too_large")
        assert problem["details"]["limit_bytes"] == 4096
        # Above the largest limit, the announced Content-Length is refused before anything is read.
        response = await upload(client, headers, PDF + bytes(200_000))
        assert_problem(response, 413, "files.too_large")
        assert memory_objects(settings) == []
        mine = await client.get("/api/v1/files/my-files", headers=headers)
        assert mine.json()["total"] == 0
        # Within its type's limit, the same kind of file is accepted.
        expect(await upload(client, headers, PDF + bytes(5000)), 201)


@pytest.mark.parametrize(
    ("data", "mime"),
    [(PNG, "application/pdf"), (EXECUTABLE, "image/png"), (EXECUTABLE, "application/octet-stream")],
)
async def test_a_wrong_type_is_415_and_leaves_nothing(
    client: AsyncClient, world: World, settings: Settings, data: bytes, mime: str
) -> None:
    response = await upload(client, world.headers["owner"], data, mime=mime)
    assert_problem(response, 415, "files.unsupported_type")
    assert memory_objects(settings) == []


async def test_path_like_names_are_stored_safely_and_come_back_in_content_disposition(
    client: AsyncClient, world: World, settings: Settings
) -> None:
    body = await uploaded(client, world.headers["owner"], TEXT, name="../../etc/passwd", mime="text/plain")
    assert body["original_filename"] == "passwd"
    assert memory_objects(settings) == [f"uploads/2026/01/{body['id']}.txt"]
    response = await client.get(body["file_url"], headers=world.headers["owner"])
    assert response.headers["content-disposition"] == "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"

    body = await uploaded(client, world.headers["owner"], CSV, name="Résumé «final».csv", mime="text/csv")
    response = await client.get(body["file_url"], headers=world.headers["owner"])
    # The ASCII fallback drops what has no ASCII form (the guillemets); the UTF-8 form keeps the name whole.
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Resume final.csv\"; filename*=UTF-8''" + quote("Résumé «final».csv")
    )
    assert response.headers["content-type"] == "text/csv; charset=utf-8"


async def test_an_rfc_5987_file_name_is_understood(client: AsyncClient, world: World) -> None:
    boundary = "lms-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            "Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt\r\n"
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + TEXT
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = await client.post(
        "/api/v1/files/upload",
        content=body,
        headers={**world.headers["owner"], "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["original_filename"] == "日本.txt"


# -- malformed forms --------------------------------------------------------------------------------


def raw_form(*parts: tuple[str, bytes, str | None], boundary: str = "b0undary", close: bool = True) -> bytes:
    body = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
    return body + (f"--{boundary}--\r\n".encode() if close else b"")


async def post_raw(client: AsyncClient, world: World, body: bytes, content_type: str) -> httpx.Response:
    return await client.post(
        "/api/v1/files/upload", content=body, headers={**world.headers["owner"], "Content-Type": content_type}
    )


@pytest.mark.parametrize(
    ("parts", "close", "status", "code"),
    [
        ([("file", PDF, "a.pdf"), ("is_public", b"true", None)], True, 422, "files.field_after_file"),
        ([("file", PDF, "a.pdf"), ("file", PDF, "b.pdf")], True, 422, "files.field_after_file"),
        ([("is_public", b"true", None)], True, 422, "files.missing_file"),
        ([("title", b"x", None), ("file", PDF, "a.pdf")], True, 422, "request.validation_failed"),
        ([("is_public", b"maybe", None), ("file", PDF, "a.pdf")], True, 422, "invalid_input"),
        ([("course_id", b"not-a-uuid", None), ("file", PDF, "a.pdf")], True, 422, "invalid_input"),
        ([("file", PDF, "a.pdf")], False, 400, "request.malformed"),  # truncated: the closing boundary is missing
    ],
)
async def test_malformed_forms_are_refused_and_leave_nothing(
    client: AsyncClient,
    world: World,
    settings: Settings,
    parts: list[tuple[str, bytes, str | None]],
    close: bool,
    status: int,
    code: str,
) -> None:
    response = await post_raw(client, world, raw_form(*parts, close=close), "multipart/form-data; boundary=b0undary")
    assert_problem(response, status, code)
    assert memory_objects(settings) == []


async def test_an_upload_must_be_multipart(client: AsyncClient, world: World) -> None:
    assert_problem(await post_raw(client, world, b"{}", "application/json"), 415, "request.http_415")
    assert_problem(
        await post_raw(client, world, raw_form(("file", PDF, "a.pdf")), "multipart/form-data"), 400, "request.malformed"
    )


# -- downloads ----------------------------------------------------------------------------------------


async def download_status(client: AsyncClient, world: World, url: str, role: str) -> int:
    response = await client.get(url, headers=world.headers[role])
    if response.status_code == 200:
        assert response.content == PDF
    else:
        assert_problem(response, response.status_code, "files.not_found")
    return response.status_code


@pytest.mark.parametrize(
    ("role", "private", "public", "course_file"),
    [
        ("anonymous", 404, 200, 404),
        ("owner", 200, 200, 404),
        ("student", 404, 200, 404),
        ("enrolled", 404, 200, 200),
        ("teacher", 404, 200, 200),
        ("other_teacher", 404, 200, 404),
        ("admin", 200, 200, 200),
    ],
)
async def test_download_matrix(
    client: AsyncClient, world: World, role: str, private: int, public: int, course_file: int
) -> None:
    mine = await uploaded(client, world.headers["owner"])
    # Learners publish only small images; an instructor publishes the PDF everyone may download.
    shared = await uploaded(client, world.headers["teacher"], is_public="true")
    material = await uploaded(client, world.headers["admin"], course_id=world.course_id)
    assert await download_status(client, world, mine["file_url"], role) == private
    assert await download_status(client, world, shared["file_url"], role) == public
    assert await download_status(client, world, material["file_url"], role) == course_file
    details = await client.get(f"/api/v1/files/{mine['id']}", headers=world.headers[role])
    assert details.status_code == private


async def test_a_download_carries_type_length_name_and_validators(client: AsyncClient, world: World) -> None:
    body = await uploaded(client, world.headers["owner"], name="Week 1 notes.pdf")
    response = await client.get(body["file_url"], headers=world.headers["owner"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-length"] == str(len(PDF))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Week 1 notes.pdf\"; filename*=UTF-8''Week%201%20notes.pdf"
    )


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-9", 0, 9), ("bytes=10-", 10, None), ("bytes=-5", -5, None), ("bytes=3-100000", 3, None)],
)
async def test_range_requests_get_206(
    client: AsyncClient, world: World, header: str, first: int, last: int | None
) -> None:
    body = await uploaded(client, world.headers["owner"])
    response = await client.get(body["file_url"], headers={**world.headers["owner"], "Range": header})
    first = first if first >= 0 else len(PDF) + first
    last = len(PDF) - 1 if last is None else last
    assert response.status_code == 206, response.text
    assert response.content == PDF[first : last + 1]
    assert response.headers["content-range"] == f"bytes {first}-{last}/{len(PDF)}"
    assert response.headers["content-length"] == str(last - first + 1)


@pytest.mark.parametrize("header", [f"bytes={len(PDF)}-", f"bytes={len(PDF) + 10}-{len(PDF) + 20}", "bytes=-0"])
async def test_unsatisfiable_ranges_get_416(client: AsyncClient, world: World, header: str) -> None:
    body = await uploaded(client, world.headers["owner"])
    response = await client.get(body["file_url"], headers={**world.headers["owner"], "Range": header})
    assert_problem(response, 416, "files.range_not_satisfiable")
    assert response.headers["content-range"] == f"bytes */{len(PDF)}"


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "items=0-3", "bytes=9-2", "bytes=abc", "bytes=-"])
async def test_ranges_we_do_not_serve_get_the_whole_file(client: AsyncClient, world: World, header: str) -> None:
    body = await uploaded(client, world.headers["owner"])
    response = await client.get(body["file_url"], headers={**world.headers["owner"], "Range": header})
    assert response.status_code == 200
    assert response.content == PDF


async def test_a_range_of_a_file_you_may_not_see_is_still_404(client: AsyncClient, world: World) -> None:
    body = await uploaded(client, world.headers["owner"])
    response = await client.get(body["file_url"], headers={**world.headers["student"], "Range": "bytes=0-1"})
    assert_problem(response, 404, "files.not_found")


# -- listing and deleting -------------------------------------------------------------------------------


async def test_my_files_is_paginated_and_mine_only(client: AsyncClient, world: World) -> None:
    for number in range(3):
        await uploaded(client, world.headers["owner"], name=f"n{number}.pdf")
    await uploaded(client, world.headers["student"])
    page = await client.get("/api/v1/files/my-files?page=2&page_size=2", headers=world.headers["owner"])
    assert page.status_code == 200
    body = page.json()
    assert (body["total"], body["page"], body["page_size"]) == (3, 2, 2)
    assert [item["original_filename"] for item in body["items"]] == ["n0.pdf"]
    images = await client.get("/api/v1/files/my-files?file_type=image", headers=world.headers["owner"])
    assert images.json()["total"] == 0
    assert_problem(await client.get("/api/v1/files/my-files"), 401, "auth.not_authenticated")
    assert_problem(
        await client.get("/api/v1/files/my-files?page_size=500", headers=world.headers["owner"]),
        422,
        "request.validation_failed",
    )


@pytest.mark.parametrize(
    ("role", "private", "public"),
    [
        ("anonymous", 401, 401),
        ("student", 404, 403),
        ("enrolled", 404, 403),
        ("teacher", 404, 403),
        ("owner", 204, 204),
        ("admin", 204, 204),
    ],
)
async def test_delete_matrix(
    client: AsyncClient, world: World, settings: Settings, role: str, private: int, public: int
) -> None:
    mine = await uploaded(client, world.headers["owner"])
    shared = await uploaded(client, world.headers["owner"], PNG, name="avatar.png", mime="image/png", is_public="true")
    deleting_mine = await client.delete(f"/api/v1/files/{mine['id']}", headers=world.headers[role])
    expect(deleting_mine, private, refusal(private, "files.not_owner"))
    deleting_shared = await client.delete(f"/api/v1/files/{shared['id']}", headers=world.headers[role])
    expect(deleting_shared, public, refusal(public, "files.not_owner"))
    remaining = len(memory_objects(settings))
    assert remaining == (0 if private == 204 else 2)
    after = await client.get(shared["file_url"])
    assert after.status_code == (404 if public == 204 else 200)


# -- S3 ----------------------------------------------------------------------------------------------


async def test_s3_downloads_redirect_to_a_presigned_url(database_url: str, clock: FixedClock, moto_s3: MotoS3) -> None:
    settings = make_settings(database_url, storage_url=moto_s3.url(), storage_options=moto_s3.options())
    async with client_with(settings, clock) as (client, lms):
        await student(lms, "owner@example.com")
        headers = bearer((await login_tokens(lms, "owner@example.com"))[0])
        body = await uploaded(client, headers, name="Syllabus 2026.pdf")
        assert body["storage_provider"] == "s3"
        response = await client.get(body["file_url"], headers=headers)
        assert response.status_code == 307
        assert response.headers["cache-control"] == "no-store"
        location = response.headers["location"]
        assert location.startswith(moto_s3.endpoint_url)
        async with httpx.AsyncClient() as outside:
            direct = await outside.get(location)
        assert direct.status_code == 200
        assert direct.content == PDF
        assert direct.headers["content-type"] == "application/pdf"
        assert "Syllabus%202026.pdf" in direct.headers["content-disposition"]
        # Access control still comes first: a stranger gets no URL.
        await student(lms, "stranger@example.com")
        stranger = bearer((await login_tokens(lms, "stranger@example.com"))[0])
        assert_problem(await client.get(body["file_url"], headers=stranger), 404, "files.not_found")
        # Deleting removes the object from the bucket.
        assert (await client.delete(f"/api/v1/files/{body['id']}", headers=headers)).status_code == 204
        assert moto_s3.filesystem().find(settings.storage_url.removeprefix("s3://")) == []


async def test_s3_downloads_are_streamed_when_presigning_is_off(
    database_url: str, clock: FixedClock, moto_s3: MotoS3
) -> None:
    settings = make_settings(
        database_url, storage_url=moto_s3.url(), storage_options=moto_s3.options(), s3_presigned_downloads=False
    )
    async with client_with(settings, clock) as (client, lms):
        await student(lms, "owner@example.com")
        headers = bearer((await login_tokens(lms, "owner@example.com"))[0])
        body = await uploaded(client, headers)
        whole = await client.get(body["file_url"], headers=headers)
        assert (whole.status_code, whole.content) == (200, PDF)
        part = await client.get(body["file_url"], headers={**headers, "Range": "bytes=1-4"})
        assert (part.status_code, part.content) == (206, PDF[1:5])


async def test_course_attached_files_are_deleted_by_their_uploader_only(
    client: AsyncClient, world: World, settings: Settings
) -> None:
    by_teacher = await uploaded(client, world.headers["teacher"], course_id=world.course_id)
    by_admin = await uploaded(client, world.headers["admin"], course_id=world.course_id)
    assert by_teacher["course_id"] == by_admin["course_id"] == world.course_id
    # Another teacher cannot see the course's private files at all; the course's learner and its teacher
    # see the admin's file but did not upload it.
    for role, file, status, code in [
        ("other_teacher", by_teacher, 404, "files.not_found"),
        ("other_teacher", by_admin, 404, "files.not_found"),
        ("enrolled", by_teacher, 403, "files.not_owner"),
        ("teacher", by_admin, 403, "files.not_owner"),
    ]:
        expect(await client.delete(f"/api/v1/files/{file['id']}", headers=world.headers[role]), status, code)
    assert len(memory_objects(settings)) == 2
    expect(await client.get(by_teacher["file_url"], headers=world.headers["teacher"]), 200)

    expect(await client.delete(f"/api/v1/files/{by_teacher['id']}", headers=world.headers["teacher"]), 204)
    assert len(memory_objects(settings)) == 1
    gone = await client.get(by_teacher["file_url"], headers=world.headers["teacher"])
    expect(gone, 404, "files.not_found")
    expect(await client.get(by_admin["file_url"], headers=world.headers["teacher"]), 200)
