"""Content sniffing, declared-type resolution, name cleaning and Content-Disposition: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from lms_core.files import _detection as detection
from lms_core.files._detection import ContentKind, resolve, sniff
from lms_core.files.entities import (
    FileType,
    UploadLimits,
    attachment_disposition,
    clean_original_filename,
    storage_path_for,
)
from lms_core.files.errors import UnsupportedFileType
from lms_core.shared.ids import new_id
from tests.support.files import (
    CSV,
    EXECUTABLE,
    GIF,
    JPEG,
    MKV,
    MOV,
    MP3,
    MP3_FRAME,
    MP4,
    PDF,
    PNG,
    SVG,
    TEXT,
    WEBM,
    WEBP,
    office_document,
    plain_zip,
)

OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PNG, detection.PNG),
        (JPEG, detection.JPEG),
        (GIF, detection.GIF),
        (WEBP, detection.WEBP),
        (PDF, detection.PDF),
        (MP4, detection.MP4),
        (MOV, detection.QUICKTIME),
        (WEBM, detection.WEBM),
        (MKV, detection.MATROSKA),
        (MP3, detection.MP3),
        (MP3_FRAME, detection.MP3),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(32), detection.WAV),
        (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00" + bytes(32), detection.M4A),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + bytes(32), detection.HEIC),
        (office_document("word"), detection.DOCX),
        (office_document("xl"), detection.XLSX),
        (office_document("ppt"), detection.PPTX),
        (plain_zip(), detection.ZIP),
        (OLE_HEADER, detection.DOC),
        (CSV, detection.TEXT),
        (TEXT, detection.TEXT),
        (b"\xef\xbb\xbfwith a byte order mark\n", detection.TEXT),
        (SVG, detection.TEXT),
    ],
)
def test_sniffing_recognises_content_by_its_first_bytes(data: bytes, kind: ContentKind) -> None:
    sniffed = sniff(data, complete=True)
    assert sniffed is not None
    assert sniffed.kind == kind


@pytest.mark.parametrize(
    "data",
    [
        EXECUTABLE,
        b"\x7fELF\x02\x01\x01" + bytes(64),
        b"plain text with a \x00 NUL byte",
        b"text with a bell \x07 control",
        b"\xff\xfe\x00\x00 not utf-8",
        b"caf\xe9 latin-1 is not utf-8",
        b"",
    ],
)
def test_unknown_content_is_not_recognised(data: bytes) -> None:
    assert sniff(data, complete=True) is None


def test_a_sample_may_end_inside_a_character_unless_it_is_the_whole_file() -> None:
    cut = "日本語".encode()[:-1]
    assert sniff(b"text " + cut, complete=False) is not None
    assert sniff(b"text " + cut, complete=True) is None


@pytest.mark.parametrize(
    ("data", "declared", "mime"),
    [
        (PNG, None, "image/png"),
        (PNG, "", "image/png"),
        (PNG, "application/octet-stream", "image/png"),
        (PNG, "IMAGE/PNG", "image/png"),
        (JPEG, "image/jpg", "image/jpeg"),
        (JPEG, "image/pjpeg", "image/jpeg"),
        (MP3, "audio/mp3", "audio/mpeg"),
        (CSV, "text/csv", "text/csv"),
        (CSV, "application/vnd.ms-excel", "text/csv"),
        (CSV, "text/plain", "text/plain"),
        (b"# Title\n\ntext\n", "text/markdown", "text/markdown"),
        (office_document("word"), "application/zip", detection.DOCX.mime_type),
        (OLE_HEADER, "application/vnd.ms-excel", "application/vnd.ms-excel"),
        (OLE_HEADER, "application/msword", "application/msword"),
    ],
)
def test_a_declaration_refines_but_never_overrides_the_content(data: bytes, declared: str | None, mime: str) -> None:
    assert resolve(sniff(data, complete=True), declared).mime_type == mime


def test_an_ambiguous_office_container_takes_the_declared_office_type() -> None:
    ambiguous = sniff(b"PK\x03\x04" + bytes(26) + b"[Content_Types].xml" + bytes(100), complete=False)
    assert ambiguous is not None
    assert resolve(ambiguous, detection.XLSX.mime_type) == detection.XLSX
    with pytest.raises(UnsupportedFileType):
        resolve(ambiguous, "image/png")


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (PNG, "application/pdf"),
        (PDF, "image/png"),
        (CSV, "text/html"),
        (SVG, "image/svg+xml"),
        (office_document("word"), detection.XLSX.mime_type),
        (plain_zip(), detection.DOCX.mime_type),
        (EXECUTABLE, None),
        (EXECUTABLE, "application/x-msdownload"),
    ],
)
def test_contradicting_or_unknown_content_is_refused(data: bytes, declared: str | None) -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        resolve(sniff(data, complete=True), declared)
    assert caught.value.code == "files.unsupported_type"


def test_every_accepted_kind_has_a_distinct_mime_type_and_a_plain_extension() -> None:
    mimes = [kind.mime_type for kind in detection.ACCEPTED]
    assert len(mimes) == len(set(mimes))
    assert all(kind.extension.isalnum() and kind.extension.islower() for kind in detection.ACCEPTED)


def test_storage_paths_are_dated_and_named_by_id() -> None:
    file_id = new_id()
    filename, path = storage_path_for(file_id, "pdf", datetime(2026, 3, 9, tzinfo=UTC))
    assert filename == f"{file_id}.pdf"
    assert path == f"uploads/2026/03/{file_id}.pdf"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (None, "file"),
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("a/b/", "file"),
        ("...", "file"),
        ("  spaced   out  name.txt  ", "spaced out name.txt"),
        ("tab\there.txt", "tab here.txt"),
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ("e\u0301t\u00e9.txt", "\u00e9t\u00e9.txt"),  # NFC
    ],
)
def test_clean_original_filename(raw: str | None, clean: str) -> None:
    assert clean_original_filename(raw) == clean


def test_clean_original_filename_caps_the_length() -> None:
    assert len(clean_original_filename("x" * 1000)) == 255
    long_extension = clean_original_filename("y" * 300 + "." + "z" * 40)
    assert len(long_extension) == 255


@pytest.mark.parametrize(
    "name",
    [
        "report.pdf",
        'quote " and \\ backslash.txt',
        "r\u00e9sum\u00e9 \u2013 final.pdf",
        "日本語.txt",
        "semi;colon, comma.txt",
        "100%.csv",
    ],
)
def test_content_disposition_quotes_any_name_safely(name: str) -> None:
    value = attachment_disposition(name)
    assert value.startswith('attachment; filename="')
    assert "\r" not in value and "\n" not in value
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and '"' not in fallback and "\\" not in fallback
    encoded = value.split("filename*=UTF-8''", 1)[1]
    assert encoded.isascii() and ";" not in encoded and " " not in encoded and '"' not in encoded
    assert unquote(encoded) == clean_original_filename(name)


def test_upload_limits() -> None:
    limits = UploadLimits()
    assert limits.for_type(FileType.IMAGE) == 10 * 1024 * 1024
    assert limits.for_type(FileType.DOCUMENT) == 50 * 1024 * 1024
    assert limits.for_type(FileType.VIDEO) == 2 * 1024 * 1024 * 1024
    assert limits.largest == limits.video_bytes
    with pytest.raises(ValueError, match="positive"):
        UploadLimits(image_bytes=0)
