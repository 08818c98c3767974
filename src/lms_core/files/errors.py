"""Errors of the files module. The HTTP layer maps the first three to 413, 415 and 416."""

from __future__ import annotations

from typing import Any

from lms_core.shared.errors import InvalidInputError, NotFoundError, PermissionDeniedError


class FileTooLarge(InvalidInputError):
    """The upload is larger than the limit for its type; nothing was kept."""

    code = "files.too_large"


class UnsupportedFileType(InvalidInputError):
    """The content is of a type the engine does not accept, or not of the type the client declared."""

    code = "files.unsupported_type"


class RangeNotSatisfiable(InvalidInputError):
    """A byte range that starts at or past the end of the file."""

    code = "files.range_not_satisfiable"

    def __init__(self, message: str, *, size: int, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details={"file_size": size, **(details or {})})
        self.size = size


class EmptyFile(InvalidInputError):
    code = "files.empty"


class FileNotFound(NotFoundError):
    code = "files.not_found"


def file_not_found(file_id: object) -> FileNotFound:
    """The one way a missing file, or one hidden from the caller, is reported."""
    return FileNotFound("no such file", details={"file_id": str(file_id)})


class FileContentMissing(NotFoundError):
    """The row exists but its stored object does not (removed behind the engine's back)."""

    code = "files.content_missing"


class NotFileOwner(PermissionDeniedError):
    code = "files.not_owner"


class PublishingNotAllowed(PermissionDeniedError):
    """A learner asked to publish a file of a type, or of a size, that the school's `PublishingRules` keep
    private; nothing was kept."""

    code = "files.publishing_not_allowed"
