"""What an upload really is: its type is read from its first bytes and checked against what the client declared.

The engine accepts only what it can recognise. The client's declared MIME type may refine a guess the
bytes cannot settle (CSV or Markdown are plain text; which Office format a ZIP holds), but it never
overrides the bytes: a PNG declared as a PDF, or a program declared as an image, is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lms_core.files.entities import FileType
from lms_core.files.errors import UnsupportedFileType

# How much of the start of an upload is read before deciding its type.
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class ContentKind:
    mime_type: str
    extension: str
    file_type: FileType


def _kind(mime_type: str, extension: str, file_type: FileType) -> ContentKind:
    return ContentKind(mime_type, extension, file_type)


PNG = _kind("image/png", "png", FileType.IMAGE)
JPEG = _kind("image/jpeg", "jpg", FileType.IMAGE)
GIF = _kind("image/gif", "gif", FileType.IMAGE)
WEBP = _kind("image/webp", "webp", FileType.IMAGE)
HEIC = _kind("image/heic", "heic", FileType.IMAGE)
AVIF = _kind("image/avif", "avif", FileType.IMAGE)
MP4 = _kind("video/mp4", "mp4", FileType.VIDEO)
QUICKTIME = _kind("video/quicktime", "mov", FileType.VIDEO)
WEBM = _kind("video/webm", "webm", FileType.VIDEO)
MATROSKA = _kind("video/x-matroska", "mkv", FileType.VIDEO)
AVI = _kind("video/x-msvideo", "avi", FileType.VIDEO)
OGG_VIDEO = _kind("video/ogg", "ogv", FileType.VIDEO)
MP3 = _kind("audio/mpeg", "mp3", FileType.OTHER)
M4A = _kind("audio/mp4", "m4a", FileType.OTHER)
WAV = _kind("audio/wav", "wav", FileType.OTHER)
OGG_AUDIO = _kind("audio/ogg", "ogg", FileType.OTHER)
PDF = _kind("application/pdf", "pdf", FileType.DOCUMENT)
DOCX = _kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", FileType.DOCUMENT)
XLSX = _kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", FileType.DOCUMENT)
PPTX = _kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx", FileType.DOCUMENT)
ODT = _kind("application/vnd.oasis.opendocument.text", "odt", FileType.DOCUMENT)
ODS = _kind("application/vnd.oasis.opendocument.spreadsheet", "ods", FileType.DOCUMENT)
ODP = _kind("application/vnd.oasis.opendocument.presentation", "odp", FileType.DOCUMENT)
DOC = _kind("application/msword", "doc", FileType.DOCUMENT)
XLS = _kind("application/vnd.ms-excel", "xls", FileType.DOCUMENT)
PPT = _kind("application/vnd.ms-powerpoint", "ppt", FileType.DOCUMENT)
ZIP = _kind("application/zip", "zip", FileType.OTHER)
TEXT = _kind("text/plain", "txt", FileType.DOCUMENT)
CSV = _kind("text/csv", "csv", FileType.DOCUMENT)
MARKDOWN = _kind("text/markdown", "md", FileType.DOCUMENT)

OOXML = (DOCX, XLSX, PPTX)
OLE = (DOC, XLS, PPT)
TEXTS = (TEXT, CSV, MARKDOWN)
ACCEPTED: tuple[ContentKind, ...] = (
    PNG, JPEG, GIF, WEBP, HEIC, AVIF, MP4, QUICKTIME, WEBM, MATROSKA, AVI, OGG_VIDEO, MP3, M4A, WAV, OGG_AUDIO,
    PDF, *OOXML, ODT, ODS, ODP, *OLE, ZIP, *TEXTS,
)  # fmt: skip
_BY_MIME = {kind.mime_type: kind for kind in ACCEPTED}

# Other names clients use for the same types.
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/heif": "image/heic",
    "application/x-pdf": "application/pdf",
    "application/acrobat": "application/pdf",
    "audio/mp3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "audio/mpeg3": "audio/mpeg",
    "audio/x-mpeg": "audio/mpeg",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "video/x-quicktime": "video/quicktime",
    "video/mov": "video/quicktime",
    "video/x-m4v": "video/mp4",
    "video/m4v": "video/mp4",
    "video/mkv": "video/x-matroska",
    "video/avi": "video/x-msvideo",
    "video/msvideo": "video/x-msvideo",
    "application/x-zip-compressed": "application/zip",
    "application/x-zip": "application/zip",
    "text/x-csv": "text/csv",
    "application/csv": "text/csv",
    "text/comma-separated-values": "text/csv",
    "text/x-markdown": "text/markdown",
}
# Declarations that say nothing about the content.
_UNSPECIFIC = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
# Control bytes that do not occur in text (tab, line breaks, form feed and escape do).
_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What the first bytes say. `candidates` holds the kinds the bytes allow when they cannot tell them
    apart (an OOXML container, an OLE compound file, plain text)."""

    kind: ContentKind
    candidates: tuple[ContentKind, ...] = ()


def sniff(head: bytes, *, complete: bool) -> Sniffed | None:
    """Recognise content from its first bytes (`complete`: `head` is the whole file); None when unknown."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(PNG)
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(JPEG)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed(GIF)
    if head.startswith(b"%PDF-"):
        return Sniffed(PDF)
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"WEBP": Sniffed(WEBP), b"WAVE": Sniffed(WAV), b"AVI ": Sniffed(AVI)}.get(head[8:12])
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return Sniffed(_iso_media(head[8:12]))
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed(WEBM if b"webm" in head[:64] else MATROSKA)
    if head.startswith(b"OggS"):
        return Sniffed(OGG_VIDEO if b"theora" in head[:256] else OGG_AUDIO)
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return Sniffed(MP3)
    if head.startswith(b"PK\x03\x04"):
        return _zip(head)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Sniffed(DOC, candidates=OLE)
    if _is_text(head, complete=complete):
        return Sniffed(TEXT, candidates=TEXTS)
    return None


def resolve(sniffed: Sniffed | None, declared: str | None) -> ContentKind:
    """The kind to store: what the bytes say, refined by the declaration where the bytes allow several.

    Raises `UnsupportedFileType` for unrecognised content and for a declaration the content contradicts.
    """
    wanted = normalize_mime(declared)
    if sniffed is None:
        raise UnsupportedFileType(
            "the file's content is not of a type the engine accepts",
            details={"declared_mime_type": wanted or None},
        )
    if wanted in _UNSPECIFIC:
        return sniffed.kind
    if sniffed.kind is TEXT and wanted == XLS.mime_type:
        return CSV  # browsers on Windows label .csv files as Excel sheets
    declared_kind = _BY_MIME.get(wanted)
    if declared_kind is not None and (declared_kind is sniffed.kind or declared_kind in sniffed.candidates):
        return declared_kind
    if wanted == ZIP.mime_type and sniffed.kind in (*OOXML, ODT, ODS, ODP):
        return sniffed.kind  # an Office file sent as a plain archive
    raise UnsupportedFileType(
        f"the file's content is {sniffed.kind.mime_type}, not the declared {wanted}",
        details={"declared_mime_type": wanted, "detected_mime_type": sniffed.kind.mime_type},
    )


def normalize_mime(declared: str | None) -> str:
    """`Image/JPG; charset=x` -> `image/jpeg`."""
    if not declared:
        return ""
    value = declared.split(";", 1)[0].strip().lower()
    return _ALIASES.get(value, value)


def _iso_media(brand: bytes) -> ContentKind:
    if brand == b"qt  ":
        return QUICKTIME
    if brand in (b"M4A ", b"M4B "):
        return M4A
    if brand in _HEIF_BRANDS:
        return HEIC
    if brand in (b"avif", b"avis"):
        return AVIF
    return MP4


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a known version and layer III, a valid bit rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 0b1111)


def _zip(head: bytes) -> Sniffed:
    if b"[Content_Types].xml" in head:
        for marker, kind in ((b"word/", DOCX), (b"xl/", XLSX), (b"ppt/", PPTX)):
            if marker in head:
                return Sniffed(kind)
        return Sniffed(DOCX, candidates=OOXML)  # the parts that tell them apart come later in the archive
    if head[30:38] == b"mimetype":
        for kind in (ODT, ODS, ODP):
            if kind.mime_type.encode() in head[38:120]:
                return Sniffed(kind)
    return Sniffed(ZIP)


def _is_text(head: bytes, *, complete: bool) -> bool:
    if not head or b"\x00" in head:
        return False
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sample may end inside a multi-byte character; only a fault in its last 3 bytes is forgiven.
        if complete or exc.start < len(head) - 3 or exc.reason != "unexpected end of data":
            return False
    return _BINARY_CONTROL.search(head) is None
