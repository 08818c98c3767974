"""The certificate's fonts: which characters each has, how wide they are, how right-to-left text is
prepared, and the font a document gets when its text needs more than the certificate font.

The certificate font (`LMS_CERTIFICATE_FONT`, by default DejaVu Sans as Debian's fonts-dejavu-core
installs it; without one, Latin-1 Helvetica) draws most names. Characters it lacks are taken from the
fallback fonts in order (`LMS_CERTIFICATE_FALLBACK_FONTS`, by default Noto Sans CJK as Debian's
fonts-noto-cjk installs it). Noto Sans CJK is an OpenType collection with PostScript (CFF) outlines,
which neither PDF library embeds, so a document that needs a fallback gets a small TrueType font built
for it alone: the outlines of exactly the characters it prints, each from the first font that has it,
converted to quadratic curves. A name no font covers is refused before anything is drawn.

Arabic is shaped (contextual letter forms, with only the ligatures the font has) and put in visual
order before drawing, since neither PDF library does it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms_core.certificates.errors import UnrenderableName

FONT_DIRECTORIES = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
DEFAULT_FONT_FILE = "DejaVuSans.ttf"
# Noto Sans CJK's collection holds the Japanese, Korean, Simplified and Traditional Chinese and Hong Kong
# faces (in that order); each maps every CJK character, in its region's glyph forms. Simplified Chinese
# by default; `path#N` in LMS_CERTIFICATE_FALLBACK_FONTS picks another.
DEFAULT_FALLBACKS = (("NotoSansCJK-Regular.ttc", 2),)
_RTL_CLASSES = frozenset({"R", "AL", "AN"})
UNITS_PER_EM = 1000
# Characters every built font carries: the space, the hyphen, and an en dash, a character beyond
# Latin-1 with an Adobe glyph name, which makes borb write the font as a Type 0 (two-byte) font.
_ALWAYS = " -\u2013"
HELVETICA = "Helvetica"


@dataclass(frozen=True, slots=True)
class FontSource:
    """A font file and, for a collection (.ttc), which of its fonts: written `path` or `path#index`."""

    path: Path
    index: int = 0

    @classmethod
    def parse(cls, spec: str) -> FontSource:
        path, hash_sign, index = spec.strip().rpartition("#")
        if hash_sign and index.isdigit():
            return cls(Path(path), int(index))
        return cls(Path(spec.strip()))

    @property
    def spec(self) -> str:
        return f"{self.path}#{self.index}" if self.index else str(self.path)

    @property
    def is_collection(self) -> bool:
        return self.path.suffix.lower() in (".ttc", ".otc")


def find_default_font() -> Path | None:
    """DejaVuSans.ttf under the system font directories, if installed."""
    return _find(DEFAULT_FONT_FILE)


def find_default_fallbacks() -> tuple[FontSource, ...]:
    """The default fallback fonts that are installed (Noto Sans CJK)."""
    found = [(_find(name), index) for name, index in DEFAULT_FALLBACKS]
    return tuple(FontSource(path, index) for path, index in found if path is not None)


def _find(file_name: str) -> Path | None:
    for directory in FONT_DIRECTORIES:
        if directory.is_dir():
            for found in sorted(directory.rglob(file_name)):
                return found
    return None


@dataclass(frozen=True, eq=False)  # one object per font and process (`font_face`): compared by identity
class FontFace:
    """One font: its source (None: the Latin-1 Helvetica), the code points it maps and their advance widths
    in 1/1000 em."""

    source: FontSource | None
    advances: dict[int, float] = field(repr=False)

    @property
    def path(self) -> Path | None:
        return None if self.source is None else self.source.path

    def covers(self, character: str) -> bool:
        return ord(character) in self.advances

    def missing(self, text: str) -> list[str]:
        return sorted({c for c in text if not self.covers(c) and not c.isspace()})


@functools.lru_cache(maxsize=16)
def font_face(spec: str | None) -> FontFace:
    """Read once per process and font: the cmap and the advance widths are all the layout needs."""
    if spec is None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        latin_1 = [*range(0x20, 0x7F), *range(0xA0, 0x100)]
        return FontFace(None, {cp: stringWidth(chr(cp), HELVETICA, UNITS_PER_EM) for cp in latin_1})
    source = FontSource.parse(spec)
    font = _open(source)
    scale = UNITS_PER_EM / font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    cmap = font.getBestCmap() or {}
    return FontFace(source, {cp: metrics[name][0] * scale for cp, name in cmap.items()})


_OPEN_LOCK = threading.Lock()


@functools.lru_cache(maxsize=16)
def _open(source: FontSource) -> Any:
    from fontTools.ttLib import TTFont

    with _OPEN_LOCK:
        return TTFont(str(source.path), fontNumber=source.index if source.is_collection else -1, lazy=True)


@dataclass(frozen=True)
class FontChain:
    """The certificate font, then its fallbacks: each character is drawn with the first that has it."""

    faces: tuple[FontFace, ...]

    @classmethod
    def of(cls, font: str | None, fallbacks: Iterable[str]) -> FontChain:
        return cls((font_face(font), *(font_face(spec) for spec in fallbacks)))

    @property
    def primary(self) -> FontFace:
        return self.faces[0]

    def face_for(self, character: str) -> FontFace | None:
        return next((face for face in self.faces if face.covers(character)), None)

    def missing(self, text: str) -> list[str]:
        return sorted({c for c in text if not c.isspace() and self.face_for(c) is None})

    def width(self, text: str, size: float) -> float:
        """The width of `text` in points at `size`, each character at its own font's advance."""
        total = 0.0
        for character in text:
            face = self.face_for(character) or self.primary
            total += face.advances.get(ord(character), UNITS_PER_EM / 2)
        return total * size / UNITS_PER_EM

    def prepare(self, text: str) -> str:
        """Shape and order right-to-left runs for drawing left to right; other text is unchanged."""
        if not any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text):
            return text
        from bidi.algorithm import get_display

        path = self.primary.path
        return str(get_display(_reshaper(str(path) if path else None)(text)))

    def require_drawable(self, fields: dict[str, str]) -> None:
        """`UnrenderableName` naming the first field with a character no font has (checked before anything
        is drawn, so nothing is half-made)."""
        for name, text in fields.items():
            missing = self.missing(self.prepare(text))
            if missing:
                raise UnrenderableName(
                    f"the {name.replace('_', ' ')} has characters no certificate font can draw: {''.join(missing)}",
                    details={"field": name, "characters": [f"U+{ord(c):04X}" for c in missing]},
                )

    def needs_fallback(self, text: str, encodable: Callable[[str], bool] | None = None) -> bool:
        """Whether `text` has a character the certificate font lacks (or, for borb, cannot encode)."""
        primary = self.primary
        return any(
            not c.isspace() and (not primary.covers(c) or (encodable is not None and not encodable(c))) for c in text
        )

    def built_font(self, text: str) -> BuiltFont:
        """A TrueType font with the glyphs of `text` (and a few more), each from the first font that has it."""
        characters = "".join(sorted(set(text + _ALWAYS) - {"\n"}))
        return _built_font(self, characters)


@functools.lru_cache(maxsize=8)
def _reshaper(path: str | None) -> Callable[[str], str]:
    from arabic_reshaper import ArabicReshaper
    from arabic_reshaper.reshaper_config import config_for_true_type_font

    # Only the ligatures the font has glyphs for (DejaVu Sans lacks the Allah ligature, for one).
    reshaper = ArabicReshaper(config_for_true_type_font(path) if path else {"support_ligatures": False})
    return reshaper.reshape  # type: ignore[no-any-return]


@dataclass(frozen=True)
class BuiltFont:
    """A font made for one document's characters: its TrueType bytes, a name unique to its content, and
    each glyph's advance width (glyph index -> 1/1000 em) for borb's width table."""

    name: str
    data: bytes
    widths: dict[int, float]


# Documents of one batch share names and titles: the fonts built for recent character sets are kept.
_BUILT: OrderedDict[tuple[FontChain, str], BuiltFont] = OrderedDict()
_BUILT_LIMIT = 64
_BUILD_LOCK = threading.Lock()


def _built_font(chain: FontChain, characters: str) -> BuiltFont:
    key = (chain, characters)
    with _BUILD_LOCK:
        found = _BUILT.get(key)
        if found is not None:
            _BUILT.move_to_end(key)
            return found
        built = _build(chain, characters)
        _BUILT[key] = built
        if len(_BUILT) > _BUILT_LIMIT:
            _BUILT.popitem(last=False)
        return built


def _build(chain: FontChain, characters: str) -> BuiltFont:
    from fontTools.agl import UV2AGL
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    glyphs: dict[str, Any] = {".notdef": TTGlyphPen(None).glyph()}
    advances: dict[str, float] = {".notdef": UNITS_PER_EM / 2}
    cmap: dict[int, str] = {}
    ascent, descent = 0.0, 0.0
    for character in characters:
        face = chain.face_for(character)
        if face is None or face.source is None:
            continue  # a Helvetica character: never asked for, as Helvetica is never a fallback
        code_point = ord(character)
        glyph_name = UV2AGL.get(code_point) or (f"uni{code_point:04X}" if code_point <= 0xFFFF else f"u{code_point:X}")
        font = _open(face.source)
        glyphs[glyph_name] = _outline(font, font.getBestCmap()[code_point])
        advances[glyph_name] = face.advances[code_point]
        cmap[code_point] = glyph_name
        scale = UNITS_PER_EM / font["head"].unitsPerEm
        ascent, descent = max(ascent, font["hhea"].ascent * scale), min(descent, font["hhea"].descent * scale)
    if not cmap:  # only Helvetica characters: the certificate font itself is used
        raise ValueError("no TrueType glyph to build a font from")
    order = list(glyphs)
    digest = hashlib.sha1("".join(sorted(cmap.values())).encode(), usedforsecurity=False).hexdigest()[:8]
    name = f"LmsCertificate-{digest}"
    builder = FontBuilder(UNITS_PER_EM, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(cmap)
    builder.setupGlyf(glyphs)
    glyf = builder.font["glyf"]
    builder.setupHorizontalMetrics(
        {name_: (round(advances[name_]), getattr(glyf[name_], "xMin", 0)) for name_ in order}
    )
    builder.setupHorizontalHeader(ascent=round(ascent), descent=round(descent))
    builder.setupNameTable({"familyName": "LmsCertificate", "styleName": "Regular", "psName": name})
    builder.setupOS2(
        sTypoAscender=round(ascent),
        sTypoDescender=round(descent),
        usWinAscent=round(ascent),
        usWinDescent=round(-descent),
        # Installable embedding: the glyphs come from fonts licensed for embedding in documents.
        fsType=0,
    )
    builder.setupPost()
    buffer = io.BytesIO()
    builder.save(buffer)
    return BuiltFont(
        name=name,
        data=buffer.getvalue(),
        widths={index: round(advances[name_], 2) for index, name_ in enumerate(order)},
    )


def _outline(font: Any, glyph_name: str) -> Any:
    """The glyph scaled to 1000 units per em, components resolved, cubic curves made quadratic."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.recordingPen import DecomposingRecordingPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    glyph_set = font.getGlyphSet()
    recording = DecomposingRecordingPen(glyph_set)
    glyph_set[glyph_name].draw(recording)
    target = TTGlyphPen(None)
    cubic = "CFF " in font or "CFF2" in font
    # PostScript outlines run counter-clockwise, TrueType ones clockwise.
    pen: Any = Cu2QuPen(target, max_err=1.0, reverse_direction=True) if cubic else target
    scale = UNITS_PER_EM / font["head"].unitsPerEm
    recording.replay(TransformPen(pen, (scale, 0, 0, scale, 0, 0)))
    return target.glyph()
