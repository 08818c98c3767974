"""Inputs of the files module. The content of an upload travels beside the command, as a stream."""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID

import msgspec

from lms_core.files.entities import FileType
from lms_core.shared.commands import Command
from lms_core.shared.errors import InvalidInputError
from lms_core.shared.pagination import PageRequest
from lms_core.shared.text import SingleLineText


class UploadFile(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the client says about an upload.

    `original_filename` is only remembered (cleaned) for display and downloads; `declared_mime_type` is
    checked against the content, which decides the stored type. `course_id` attaches the file to a course
    that the uploader manages, so that its learners may download it.
    """

    # Any text: browsers send what the file system allows, and control characters (NUL included) are
    # cleaned out before the name is stored.
    original_filename: Annotated[str, msgspec.Meta(max_length=4096)] | None = None
    declared_mime_type: Annotated[SingleLineText, msgspec.Meta(max_length=255)] | None = None
    is_public: bool = False
    course_id: UUID | None = None

    nul_handled_fields: ClassVar[frozenset[str]] = frozenset({"original_filename"})


class ListMyFiles(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One page of the caller's uploads, of one type or all."""

    file_type: FileType | None = None


# Larger than any file; byte positions above it mean "past the end" all the same.
MAX_BYTE_OFFSET = 2**63 - 1
BytePosition = Annotated[int, msgspec.Meta(ge=0, le=MAX_BYTE_OFFSET)]


class ByteRange(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One byte range of a download, as in HTTP: `first`-`last` inclusive; `last` None reads to the end;
    `first` None asks for the final `suffix_length` bytes."""

    first: BytePosition | None = None
    last: BytePosition | None = None
    suffix_length: BytePosition | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.first is None) == (self.suffix_length is None):
            raise InvalidInputError(
                "a byte range has either a first byte or a suffix length", code="request.validation_failed"
            )
        if self.first is not None and self.last is not None and self.last < self.first:
            raise InvalidInputError("a byte range cannot end before it starts", code="request.validation_failed")
