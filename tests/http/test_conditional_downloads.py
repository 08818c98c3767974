"""HEAD and validators: `ETag` / `If-None-Match` on file and certificate downloads and on the catalogue."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from lms_adapters.settings import Settings
from lms_core import Lms
from lms_core.courses.commands import CreateCourse
from tests.conftest import make_settings
from tests.http.helpers import assert_problem, bearer
from tests.support.catalogue import instructor, published_course, student
from tests.support.certificates import completed
from tests.support.files import PDF, PNG
from tests.support.flows import login_tokens
from tests.support.learning import classroom

CATALOGUE = "/api/v1/courses"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, storage_url=f"file://{tmp_path / 'storage'}", certificate_renderer="reportlab")


async def signed_in(lms: Lms, email: str) -> dict[str, str]:
    return bearer((await login_tokens(lms, email))[0])


async def upload(client: AsyncClient, headers: dict[str, str], data: bytes, name: str, mime: str) -> dict[str, Any]:
    response = await client.post("/api/v1/files/upload", files={"file": (name, data, mime)}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_download_answers_304_to_its_own_etag(client: AsyncClient, lms: Lms) -> None:
    await student(lms, "owner@example.com")
    owner = await signed_in(lms, "owner@example.com")
    file = await upload(client, owner, PDF, "notes.pdf", "application/pdf")
    first = await client.get(file["file_url"], headers=owner)
    etag = first.headers["etag"]
    assert etag == f'"{hashlib.sha256(PDF).hexdigest()}"'
    again = await client.get(file["file_url"], headers={**owner, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "private, no-store"
    weakly = await client.get(file["file_url"], headers={**owner, "If-None-Match": f'"other", W/{etag}'})
    assert weakly.status_code == 304
    stale = await client.get(file["file_url"], headers={**owner, "If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200
    assert stale.content == PDF


async def test_another_file_has_another_etag(client: AsyncClient, lms: Lms) -> None:
    await student(lms, "owner@example.com")
    owner = await signed_in(lms, "owner@example.com")
    first = await upload(client, owner, PDF, "notes.pdf", "application/pdf")
    second = await upload(client, owner, PDF + b"\n% revised\n", "notes.pdf", "application/pdf")
    old_tag = (await client.get(first["file_url"], headers=owner)).headers["etag"]
    response = await client.get(second["file_url"], headers={**owner, "If-None-Match": old_tag})
    assert response.status_code == 200
    assert response.content == PDF + b"\n% revised\n"
    assert response.headers["etag"] != old_tag


async def test_head_of_a_download_is_its_headers_without_the_body(client: AsyncClient, lms: Lms) -> None:
    await student(lms, "owner@example.com")
    await student(lms, "stranger@example.com")
    owner = await signed_in(lms, "owner@example.com")
    file = await upload(client, owner, PDF, "Week 1.pdf", "application/pdf")
    got = await client.get(file["file_url"], headers=owner)
    headed = await client.head(file["file_url"], headers=owner)
    assert headed.status_code == 200
    assert headed.content == b""
    for name in ("content-type", "content-length", "content-disposition", "etag", "accept-ranges", "cache-control"):
        assert headed.headers[name] == got.headers[name], name
    assert headed.headers["content-length"] == str(len(PDF))
    assert got.headers.get_list("x-content-type-options") == ["nosniff"]
    assert got.headers.get_list("cache-control") == ["private, no-store"]
    not_modified = await client.head(file["file_url"], headers={**owner, "If-None-Match": got.headers["etag"]})
    assert not_modified.status_code == 304
    # The same access rules as the download: a private file is not found for others.
    assert (
        await client.head(file["file_url"], headers=await signed_in(lms, "stranger@example.com"))
    ).status_code == 404
    assert (await client.head(file["file_url"])).status_code == 404
    assert_problem(await client.get(file["file_url"]), 404, "files.not_found")


async def test_a_public_file_keeps_its_caching_headers_for_a_signed_in_caller(client: AsyncClient, lms: Lms) -> None:
    await student(lms, "owner@example.com")
    owner = await signed_in(lms, "owner@example.com")
    file = await upload(client, owner, PNG, "me.png", "image/png")
    published = await client.post(
        "/api/v1/files/upload", files={"file": ("me.png", PNG, "image/png")}, data={"is_public": "true"}, headers=owner
    )
    assert published.status_code == 201, published.text
    public = await client.get(published.json()["file_url"], headers=owner)
    assert public.headers["cache-control"] == "public, max-age=3600"
    anonymous_head = await client.head(published.json()["file_url"])
    assert anonymous_head.status_code == 200
    assert anonymous_head.headers["cache-control"] == "public, max-age=3600"
    private = await client.get(file["file_url"], headers=owner)
    assert private.headers["cache-control"] == "private, no-store"


async def test_a_certificate_pdf_has_head_and_a_validator(client: AsyncClient, lms: Lms) -> None:
    teacher = await instructor(lms, "owner@example.com")
    room = await classroom(lms, teacher, title="Analytical Engines", required=1)
    done = await completed(lms, name="Ada Lovelace", email="ada@example.com", room=room)
    generated = await client.post(
        f"/api/v1/certificates/enrollments/{done.enrollment.id}/generate",
        headers=await signed_in(lms, "owner@example.com"),
    )
    assert generated.status_code == 201, generated.text
    url = f"/api/v1/certificates/{generated.json()['id']}/download"
    holder = await signed_in(lms, "ada@example.com")
    got = await client.get(url, headers=holder)
    assert got.status_code == 200
    assert got.content.startswith(b"%PDF")
    assert got.headers["etag"] == f'"{hashlib.sha256(got.content).hexdigest()}"'
    headed = await client.head(url, headers=holder)
    assert headed.status_code == 200
    assert headed.content == b""
    assert headed.headers["content-length"] == str(len(got.content))
    assert headed.headers["content-type"] == "application/pdf"
    assert headed.headers["etag"] == got.headers["etag"]
    assert headed.headers["content-disposition"] == got.headers["content-disposition"]
    not_modified = await client.get(url, headers={**holder, "If-None-Match": got.headers["etag"]})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert (await client.head(url)).status_code == 401
    await student(lms, "other@example.com")
    assert (await client.head(url, headers=await signed_in(lms, "other@example.com"))).status_code == 404


async def test_the_catalogue_answers_304_until_a_course_changes(client: AsyncClient, lms: Lms) -> None:
    teacher = await instructor(lms, "teacher@example.com")
    await published_course(lms, teacher, "First course", lessons=1)
    first = await client.get(CATALOGUE)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert first.headers["cache-control"] == "public, no-cache"
    assert [course["title"] for course in first.json()["items"]] == ["First course"]
    again = await client.get(CATALOGUE, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, no-cache"

    await published_course(lms, teacher, "Second course", lessons=1)
    changed = await client.get(CATALOGUE, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert {course["title"] for course in changed.json()["items"]} == {"First course", "Second course"}
    other_page = await client.get(CATALOGUE, params={"category": "nothing-here"}, headers={"If-None-Match": etag})
    assert other_page.status_code == 200
    assert other_page.json()["items"] == []


async def test_a_private_listing_is_never_stored(client: AsyncClient, lms: Lms) -> None:
    teacher = await instructor(lms, "teacher@example.com")
    await lms.courses.create_course(teacher, CreateCourse(title="Draft", category="x"))
    headers = await signed_in(lms, "teacher@example.com")
    drafts = await client.get(
        CATALOGUE, params={"status": "draft", "instructor_id": str(teacher.user_id)}, headers=headers
    )
    assert drafts.status_code == 200, drafts.text
    assert [course["title"] for course in drafts.json()["items"]] == ["Draft"]
    assert drafts.headers["cache-control"] == "no-store"
    public = await client.get(CATALOGUE, headers=headers)
    assert public.headers["cache-control"] == "public, no-cache"
