"""`/api/v1/files`: spec section 8. Uploads are streamed to storage; downloads are streamed (with byte
ranges) or redirected to a pre-signed URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, delete, get, head, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Stream

from lms_core import Actor, Lms
from lms_core.files.commands import MAX_BYTE_OFFSET, ByteRange, ListMyFiles
from lms_core.files.entities import FileType, attachment_disposition
from lms_core.files.views import FileDownload, FileView
from lms_core.shared.pagination import DEFAULT_PAGE_SIZE
from lms_http.auth import SIGNED_IN, provide_actor, provide_optional_actor
from lms_http.conditional import headers_only, none_match_fails
from lms_http.errors import problems
from lms_http.openapi import BinaryContent
from lms_http.paging import FilePage, PageQuery, PageSizeQuery
from lms_http.uploads import FORM_OVERHEAD, StreamedForm

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# A single range of any real file fits in far less; longer headers are ignored without being parsed.
_MAX_RANGE_HEADER = 200


_UPLOAD_BODY = RequestBody(
    required=True,
    description="Optional `is_public` and `course_id` fields, then the `file` part (fields after it are refused).",
    content={
        "multipart/form-data": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                required=["file"],
                properties={
                    "is_public": Schema(type=OpenAPIType.BOOLEAN, default=False),
                    # An HTML form sends an unset field as an empty string: it means no course.
                    "course_id": Schema(
                        one_of=[
                            Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.UUID),
                            Schema(type=OpenAPIType.STRING, max_length=0),
                        ],
                        description="the course the file belongs to (one you manage); empty or absent: none",
                    ),
                    "file": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
                },
            ),
            example={"is_public": False, "course_id": "", "file": "(the file's bytes, with its own Content-Type)"},
        )
    },
)


@dataclass
class UploadOperation(Operation):
    """Documents the upload's body by hand: the handler reads the request stream itself."""

    def __post_init__(self) -> None:
        if self.request_body is None:
            self.request_body = _UPLOAD_BODY


@dataclass
class DownloadOperation(Operation):
    """A download is sent with the file's own Content-Type (`mime_type` in its details). It is documented as
    `application/octet-stream` first, which client generators read as bytes, and as any media type (`*/*`),
    with the same binary schema, since no single type names every file."""

    def __post_init__(self) -> None:
        for status in ("200", "206"):
            response = (self.responses or {}).get(status)
            if isinstance(response, OpenAPIResponse) and response.content:
                octets = response.content.get("application/octet-stream")
                if octets is not None:
                    response.content["*/*"] = OpenAPIMediaType(schema=octets.schema)


_DOWNLOAD_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(
        data_container=BinaryContent,
        description="The file's bytes, sent with the file's own Content-Type",
        media_type="application/octet-stream",
        generate_examples=False,
    ),
    206: ResponseSpec(
        data_container=BinaryContent,
        description="One byte range of the file (`Content-Range` says which)",
        media_type="application/octet-stream",
        generate_examples=False,
    ),
    304: ResponseSpec(data_container=None, description="Not modified (`If-None-Match` names the file's ETag)"),
    307: ResponseSpec(data_container=None, description="Redirect to a short-lived pre-signed URL (S3 storage)"),
    **problems(401, 404, 416, 503),
}


class FilesController(Controller):
    path = "/api/v1/files"
    tags = ["files"]
    dependencies = {"actor": Provide(provide_actor), "viewer": Provide(provide_optional_actor)}

    @post(
        "/upload",
        status_code=201,
        summary="Upload a file",
        # The whole-app body limit is far below a video's; this handler enforces its own, per file type.
        request_max_body_size=None,
        operation_class=UploadOperation,
        responses=problems(400, 401, 403, 404, 413, 415, 422, 503),
        security=SIGNED_IN,
    )
    async def upload_file(
        self, request: Request[Any, Any, Any], lms: NamedDependency[Lms], actor: NamedDependency[Actor]
    ) -> FileView:
        """Any signed-in user uploads a file, streamed to storage and recorded as theirs. Form fields: optional
        `is_public` and `course_id` (a course you manage), then `file`. Its type is read from its content and
        must match the declared one: images up to 10 MiB, documents 50 MiB, videos 2 GiB by default.
        Instructors and admins publish anything; learners publish (`is_public`) only small images.

        Errors: 400 a malformed multipart body; 401 without a valid access token; 403
        `files.publishing_not_allowed` for a learner publishing more than a small image, or
        `courses.not_manager` for a course the caller does not manage; 404 `courses.not_found`; 413
        `files.too_large` over the type's limit; 415 `files.unsupported_type` for a type not accepted or not
        matching its content, or a body that is not multipart/form-data; 422 `files.missing_file`,
        `files.empty`, `files.field_after_file` or a bad field value; 503 storage unavailable
        (`Retry-After`)."""
        form = StreamedForm(request, max_body_bytes=lms.files.limits.largest + FORM_OVERHEAD)
        command = await form.command()
        return await lms.files.upload(actor, command, form.file_content())

    @get("/my-files", summary="My uploads", responses=problems(401, 422), security=SIGNED_IN)
    async def my_files(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        file_type: FromQuery[FileType | None] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> FilePage:
        """Any signed-in user lists their own uploads, newest first, optionally of one type. Changes nothing.

        Errors: 401 without a valid access token; 422 a query parameter out of range."""
        return await lms.files.list_my_files(actor, ListMyFiles(file_type=file_type, page=page, page_size=page_size))

    @get("/{file_id:uuid}", summary="A file's details", responses=problems(401, 404))
    async def get_file(
        self, lms: NamedDependency[Lms], viewer: NamedDependency[Actor], file_id: FromPath[UUID]
    ) -> FileView:
        """Those who may download a file read its details (name, type, size, digest, download URL): anyone for
        public files; the uploader, admins and, for course files, the course's instructor and learners for
        private ones. Changes nothing.

        Errors: 401 for an invalid access token; 404 `files.not_found` for an unknown file or one the caller
        may not see."""
        return await lms.files.get_file(viewer, file_id)

    @get(
        "/download/{file_id:uuid}",
        media_type="*/*",
        operation_class=DownloadOperation,
        summary="Download a file",
        responses=_DOWNLOAD_RESPONSES,
    )
    async def download_file(
        self,
        request: Request[Any, Any, Any],
        lms: NamedDependency[Lms],
        viewer: NamedDependency[Actor],
        file_id: FromPath[UUID],
    ) -> Response[Any]:
        """Download a file's bytes, with its own Content-Type: public files for anyone; private ones for the
        uploader, admins and, for course files, the course's instructor and learners. Changes nothing.
        Supports a single `Range: bytes=...` (206) and `If-None-Match` with the file's ETag (304). With S3
        storage, answers with a redirect to a short-lived pre-signed URL (307).

        Errors: 401 for an invalid access token; 404 `files.not_found` for an unknown file or one the caller
        may not download, or `files.content_missing` when storage lost its bytes; 416
        `files.range_not_satisfiable` for a range starting past the end; 503 storage unavailable
        (`Retry-After`)."""
        if_none_match = request.headers.get("if-none-match")
        if if_none_match:
            # Checked before anything is opened in storage (the same access rule as the download's).
            file = await lms.files.get_file(viewer, file_id)
            if none_match_fails(if_none_match, file_etag(file)):
                return headers_only(validator_headers(file), 304)
        result = await lms.files.download(viewer, file_id, parse_range(request.headers.get("range")))
        if result.redirect_url is not None:
            return Redirect(
                result.redirect_url, status_code=307, media_type=MediaType.TEXT, headers={"Cache-Control": "no-store"}
            )
        assert result.content is not None
        return Stream(result.content, status_code=206 if result.partial else 200, headers=download_headers(result))

    @head("/download/{file_id:uuid}", include_in_schema=False)
    async def download_file_head(
        self,
        request: Request[Any, Any, Any],
        lms: NamedDependency[Lms],
        viewer: NamedDependency[Actor],
        file_id: FromPath[UUID],
    ) -> Response[None]:
        """The headers of the whole file's download, without the body, for those who may download it.
        `Range` is ignored (RFC 9110 defines it for GET only); `If-None-Match` gives 304."""
        file = await lms.files.get_file(viewer, file_id)
        if none_match_fails(request.headers.get("if-none-match"), file_etag(file)):
            return headers_only(validator_headers(file), 304)
        return headers_only(representation_headers(file, length=file.file_size))

    @delete(
        "/{file_id:uuid}",
        status_code=204,
        summary="Delete a file",
        responses=problems(401, 403, 404, 503),
        security=SIGNED_IN,
    )
    async def delete_file(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], file_id: FromPath[UUID]
    ) -> None:
        """Its uploader or an admin deletes a file's record and its stored bytes.

        Errors: 401 without a valid access token; 403 `files.not_owner` for anyone else who may see it; 404
        `files.not_found`; 503 storage unavailable (`Retry-After`)."""
        await lms.files.delete_file(actor, file_id)


def parse_range(header: str | None) -> ByteRange | None:
    """One `bytes=` range (RFC 9110 section 14.1.2); None (send everything) for anything else, including
    several ranges, other units, malformed values and headers too long to be a single range, which a
    server may ignore.

    Parsing never fails: positions beyond any file's size are clamped to `MAX_BYTE_OFFSET`, so access
    is checked before the range is judged (a start past the end is then a 416, a longer suffix the whole file).
    """
    if not header or len(header) > _MAX_RANGE_HEADER:
        return None
    found = _RANGE.fullmatch(header.strip().replace(" ", ""))
    if found is None:
        return None
    first, last = _position(found.group(1)), _position(found.group(2))
    if first is not None:
        if last is not None and last < first:
            return None
        return ByteRange(first=first, last=last)
    if last is not None:
        return ByteRange(suffix_length=last)
    return None


def _position(digits: str) -> int | None:
    return min(int(digits), MAX_BYTE_OFFSET) if digits else None


def download_headers(result: FileDownload) -> dict[str, str]:
    headers = representation_headers(result.file, length=result.length)
    if result.partial:
        headers["Content-Range"] = f"bytes {result.first}-{result.last}/{result.file.file_size}"
    return headers


def representation_headers(file: FileView, *, length: int) -> dict[str, str]:
    return {
        # Set here: Litestar gives a streamed response the handler's media type over the response's own.
        "Content-Type": _content_type(file),
        "Content-Length": str(length),
        "Content-Disposition": attachment_disposition(file.original_filename),
        "Accept-Ranges": "bytes",
        **validator_headers(file),
    }


def file_etag(file: FileView) -> str:
    """Stored files never change: the content digest is a strong validator."""
    return f'"{file.sha256}"'


def validator_headers(file: FileView) -> dict[str, str]:
    """What a 304 repeats of the 200 it stands for (RFC 9110 section 15.4.5): the validator and caching."""
    return {"ETag": file_etag(file), "Cache-Control": "public, max-age=3600" if file.is_public else "private, no-store"}


def _content_type(file: FileView) -> str:
    return f"{file.mime_type}; charset=utf-8" if file.mime_type.startswith("text/") else file.mime_type
