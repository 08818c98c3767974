"""The certificate font: where it is, which characters it has, and how right-to-left text is prepared.

Both renderers draw with one TrueType font (`LMS_CERTIFICATE_FONT`, by default DejaVu Sans as Debian's
fonts-dejavu-core installs it). Without one they fall back to Helvetica, which covers Latin-1 only.
Arabic is shaped (contextual letter forms, with only the ligatures the font has) and put in visual
order before drawing, since neither PDF library does it.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lms_core.certificates.entities import CertificateContent
from lms_core.certificates.errors import UnrenderableName

FONT_DIRECTORIES = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
DEFAULT_FONT_FILE = "DejaVuSans.ttf"
_RTL_CLASSES = frozenset({"R", "AL", "AN"})


def find_default_font() -> Path | None:
    """DejaVuSans.ttf under the system font directories, if installed."""
    for directory in FONT_DIRECTORIES:
        if directory.is_dir():
            for found in sorted(directory.rglob(DEFAULT_FONT_FILE)):
                return found
    return None


@dataclass(frozen=True)
class FontFace:
    """A font file and the set of code points it maps (None: the Latin-1 standard fonts)."""

    path: Path | None
    code_points: frozenset[int]

    def missing(self, text: str) -> list[str]:
        return sorted({c for c in text if ord(c) not in self.code_points and not c.isspace()})

    def prepare(self, text: str) -> str:
        """Shape and order right-to-left runs for drawing left to right; other text is unchanged."""
        if not any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text):
            return text
        from bidi.algorithm import get_display

        return str(get_display(_reshaper(str(self.path) if self.path else None)(text)))


@functools.lru_cache(maxsize=8)
def font_face(path: str | None) -> FontFace:
    """Read once per process and font: the cmap of a TrueType font is all the coverage check needs."""
    if path is None:
        return FontFace(path=None, code_points=frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x100)))
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        cmap = font.getBestCmap() or {}
    return FontFace(path=Path(path), code_points=frozenset(cmap))


@functools.lru_cache(maxsize=8)
def _reshaper(path: str | None) -> Callable[[str], str]:
    from arabic_reshaper import ArabicReshaper
    from arabic_reshaper.reshaper_config import config_for_true_type_font

    # Only the ligatures the font has glyphs for (DejaVu Sans lacks the Allah ligature, for one).
    reshaper = ArabicReshaper(config_for_true_type_font(path) if path else {"support_ligatures": False})
    return reshaper.reshape  # type: ignore[no-any-return]


def drawable_fields(
    content: CertificateContent, face: FontFace, extra: Callable[[str], bool] | None = None
) -> dict[str, str]:
    """The variable texts of a certificate, prepared for drawing; `UnrenderableName` when the font lacks a
    character of one (checked before anything is drawn, so nothing is half-made)."""
    fields = {
        "student_name": content.student_name,
        "course_title": content.course_title,
        "instructor_name": content.instructor_name,
    }
    prepared: dict[str, str] = {}
    for field, text in fields.items():
        drawn = face.prepare(text.strip())
        missing = face.missing(drawn)
        if extra is not None:
            missing += [c for c in drawn if not c.isspace() and c not in missing and not extra(c)]
        if missing:
            raise UnrenderableName(
                f"the {field.replace('_', ' ')} has characters the certificate font cannot draw: {''.join(missing)}",
                details={"field": field, "characters": [f"U+{ord(c):04X}" for c in missing]},
            )
        prepared[field] = drawn
    return prepared
