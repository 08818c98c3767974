"""A `multipart/form-data` upload read as it arrives: the file part is handed on chunk by chunk, never
buffered whole (Litestar's own form parsing would hold it in memory or a spooled file first).

The form has a `file` part and, before it, the optional text fields `is_public` and `course_id`. A field
after the file is refused, because the file is already being stored when it would arrive. The rest of
the body is still read to its end before the upload counts as complete, so a truncated body stores
nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

from litestar import Request
from litestar.exceptions import ClientException, HTTPException
from multipart import MultipartError, MultipartSegment, PushMultipartParser  # type: ignore[import-untyped]

from lms_core.files.commands import UploadFile
from lms_core.files.errors import FileTooLarge
from lms_core.shared.errors import InvalidInputError

FILE_FIELD = "file"
TEXT_FIELDS = frozenset({"is_public", "course_id"})
MAX_FIELD_BYTES = 200
# Room for boundaries, part headers and the text fields around the largest file.
FORM_OVERHEAD = 64 * 1024

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
_EXTENDED_FILENAME = re.compile(r"filename\*\s*=\s*([\w!#$%&+^`{}~-]+)'[^']*'([^;\s]+)", re.IGNORECASE)


class StreamedForm:
    """Reads one upload form from `request`, refusing bodies over `max_body_bytes`."""

    def __init__(self, request: Request[Any, Any, Any], *, max_body_bytes: int) -> None:
        media_type, options = request.content_type
        if media_type != "multipart/form-data":
            raise HTTPException(status_code=415, detail="send the file as multipart/form-data")
        boundary = options.get("boundary")
        if not boundary:
            raise ClientException("the multipart/form-data Content-Type has no boundary")
        announced = request.content_length
        if announced is not None and announced > max_body_bytes:
            raise _body_too_large(max_body_bytes)
        try:
            self._parser = PushMultipartParser(
                boundary, content_length=-1 if announced is None else announced, max_segment_count=16
            )
        except MultipartError as exc:
            raise ClientException(f"malformed multipart body: {exc}") from None
        self._request = request
        self._max_body = max_body_bytes
        self._events = self._parse()

    async def command(self) -> UploadFile:
        """Read up to the start of the file part; what the form says about the upload."""
        fields: dict[str, str] = {}
        while True:
            event = await self._next()
            if event is None:
                raise InvalidInputError(
                    f"the form has no '{FILE_FIELD}' part", code="files.missing_file", details={"field": FILE_FIELD}
                )
            if not isinstance(event, MultipartSegment):
                raise ClientException("malformed multipart body")
            if event.name == FILE_FIELD:
                return _command(fields, event)
            if event.name not in TEXT_FIELDS or event.name in fields or event.filename is not None:
                raise InvalidInputError(
                    f"unexpected form field {event.name!r}: send is_public, course_id, then {FILE_FIELD}",
                    code="request.validation_failed",
                    details={"field": event.name},
                )
            fields[event.name] = await self._text(event.name)

    async def file_content(self) -> AsyncIterator[bytes]:
        """The file part's bytes as they arrive; ends once the whole body has been read and checked."""
        while True:
            event = await self._next()
            if event is None:
                raise ClientException("malformed multipart body: the file part does not end")
            if event is _END_OF_PART:
                break
            if isinstance(event, bytes):
                yield event
        while (event := await self._next()) is not None:
            if isinstance(event, MultipartSegment):
                raise InvalidInputError(
                    f"form field {event.name!r} comes after the file: send every other field before '{FILE_FIELD}'",
                    code="files.field_after_file",
                    details={"field": event.name},
                )

    async def _text(self, name: str) -> str:
        value = bytearray()
        while (event := await self._next()) is not _END_OF_PART:
            if not isinstance(event, bytes):
                raise ClientException("malformed multipart body")
            value += event
            if len(value) > MAX_FIELD_BYTES:
                raise InvalidInputError(f"the form field {name!r} is too long", details={"field": name})
        try:
            return value.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise InvalidInputError(f"the form field {name!r} is not UTF-8 text", details={"field": name}) from None

    async def _next(self) -> object:
        """The next parser event: a segment (part headers), bytes, `_END_OF_PART`, or None at the end."""
        return await anext(self._events, None)

    async def _parse(self) -> AsyncIterator[object]:
        received = 0
        try:
            async for chunk in self._request.stream():
                received += len(chunk)
                if received > self._max_body:
                    raise _body_too_large(self._max_body)
                for event in self._parser.parse(chunk):  # an empty chunk (end of body) checks completeness
                    yield _END_OF_PART if event is None else event
            if not self._parser.closed:
                self._parser.close()
        except MultipartError as exc:
            raise ClientException(f"malformed multipart body: {exc}") from None


_END_OF_PART = object()


def _command(fields: dict[str, str], segment: Any) -> UploadFile:
    is_public = fields.get("is_public", "").lower()
    if is_public not in _TRUE | _FALSE:
        raise InvalidInputError("is_public must be true or false", details={"field": "is_public"})
    course_id: uuid.UUID | None = None
    if fields.get("course_id"):
        try:
            course_id = uuid.UUID(fields["course_id"])
        except ValueError:
            raise InvalidInputError("course_id must be a UUID", details={"field": "course_id"}) from None
    return UploadFile(
        original_filename=_filename(segment),
        declared_mime_type=segment.content_type,
        is_public=is_public in _TRUE,
        course_id=course_id,
    )


def _filename(segment: Any) -> str | None:
    """The part's file name; `filename*=UTF-8''...` (RFC 5987) as well, which the parser does not decode."""
    if segment.filename:
        return str(segment.filename)
    header = segment.header("Content-Disposition", "") or ""
    found = _EXTENDED_FILENAME.search(header)
    if found is None:
        return None
    try:
        return unquote(found.group(2), encoding=found.group(1), errors="strict")
    except (LookupError, UnicodeDecodeError):
        return None


def _body_too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(
        f"the upload is larger than the largest accepted file ({limit - FORM_OVERHEAD} bytes)",
        details={"field": FILE_FIELD, "limit_bytes": limit - FORM_OVERHEAD},
    )
