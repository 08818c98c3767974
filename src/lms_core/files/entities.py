"""Uploaded files, upload limits, and the rules for names and storage paths."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from uuid import UUID

from lms_core.shared.ids import UserId

MAX_ORIGINAL_FILENAME = 255
FALLBACK_FILENAME = "file"
UPLOAD_FOLDER = "uploads"

MB = 1024 * 1024
# Control, format (bidirectional overrides, zero-width), surrogate, private-use and unassigned characters.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# RFC 8187 attr-char, less the alphanumerics that `quote` never escapes.
_ATTR_CHARS = "!#$&+-.^_`|~"


class FileType(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    DOCUMENT = "document"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """The largest accepted upload per file type, in bytes."""

    image_bytes: int = 10 * MB
    document_bytes: int = 50 * MB
    video_bytes: int = 2048 * MB
    other_bytes: int = 10 * MB

    def __post_init__(self) -> None:
        for name in ("image_bytes", "document_bytes", "video_bytes", "other_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"UploadLimits.{name} must be positive")

    def for_type(self, file_type: FileType) -> int:
        return {
            FileType.IMAGE: self.image_bytes,
            FileType.VIDEO: self.video_bytes,
            FileType.DOCUMENT: self.document_bytes,
            FileType.OTHER: self.other_bytes,
        }[file_type]

    @property
    def largest(self) -> int:
        return max(self.image_bytes, self.document_bytes, self.video_bytes, self.other_bytes)


@dataclass(frozen=True, slots=True)
class PublishingRules:
    """What a learner (a student account) may publish, that is upload with `is_public`: public files are
    served to anyone with `Cache-Control: public`, so a school keeps them to what learners need in public
    (avatars, profile pictures). Instructors and admins publish anything within the upload limits."""

    learner_types: frozenset[FileType] = frozenset({FileType.IMAGE})
    learner_max_bytes: int = 2 * MB

    def __post_init__(self) -> None:
        if self.learner_max_bytes < 1:
            raise ValueError("PublishingRules.learner_max_bytes must be positive")

    def allows_learner_type(self, file_type: FileType) -> bool:
        return file_type in self.learner_types


@dataclass(kw_only=True, slots=True)
class UploadedFile:
    """A stored upload. `filename` is the engine's own name (`<uuid>.<ext>`); the client's name is kept,
    cleaned, only as `original_filename` and never used in a path."""

    id: UUID
    uploader_id: UserId
    filename: str
    original_filename: str
    storage_path: str
    storage_provider: str
    folder: str
    file_type: FileType
    mime_type: str
    file_size: int
    sha256: str
    is_public: bool
    course_id: UUID | None
    created_at: datetime

    def is_uploaded_by(self, user_id: UserId | None) -> bool:
        return user_id is not None and user_id == self.uploader_id


def storage_path_for(file_id: UUID, extension: str, now: datetime) -> tuple[str, str]:
    """The stored name and path of a new upload: `uploads/{year}/{month}/{uuid}.{ext}`."""
    filename = f"{file_id}.{extension}"
    return filename, f"{UPLOAD_FOLDER}/{now.year:04d}/{now.month:02d}/{filename}"


def clean_original_filename(raw: str | None) -> str:
    """The client's file name made harmless for display and for Content-Disposition.

    Directories are dropped (`../../etc/passwd` -> `passwd`, `C:\\x\\y.pdf` -> `y.pdf`), control and
    format characters (including bidirectional overrides) removed, white space collapsed, leading dots
    stripped so the result is never hidden or relative, and the length capped at 255 characters while
    keeping the extension. An empty result becomes `file`.
    """
    if not raw:
        return FALLBACK_FILENAME
    name = unicodedata.normalize("NFC", raw)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if ch.isspace() else "" if unicodedata.category(ch) in _UNPRINTABLE else ch for ch in name)
    name = " ".join(name.split()).lstrip(". ").rstrip(" ")
    if not name or name.strip(".") == "":
        return FALLBACK_FILENAME
    if len(name) > MAX_ORIGINAL_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and 0 < len(extension) <= 16:
            name = stem[: MAX_ORIGINAL_FILENAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_ORIGINAL_FILENAME].rstrip()
    return name


@dataclass(frozen=True, slots=True)
class DownloadOptions:
    """How downloads are served. With `presigned` on, a backend that can sign direct URLs (S3) gets the
    client redirected to one valid for `presigned_seconds`."""

    presigned: bool = True
    presigned_seconds: int = 300

    def __post_init__(self) -> None:
        if not 1 <= self.presigned_seconds <= 7 * 24 * 3600:
            raise ValueError("DownloadOptions.presigned_seconds must be between 1 second and 7 days")


def attachment_disposition(original_filename: str) -> str:
    """A `Content-Disposition` value (RFC 6266) that downloads under the original name, whatever it holds:
    an ASCII `filename` fallback for old clients and the exact name as UTF-8 in `filename*` (RFC 8187)."""
    name = clean_original_filename(original_filename)
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch if ch.isprintable() and ch not in '"\\%;' else "_" for ch in fallback).strip() or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"
