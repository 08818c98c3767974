"""Certificates drawn with borb (AGPL-3.0-or-later, or a commercial licence; see docs/certificates.md).

borb's traps, each handled here (FIELD-NOTES.md):
- usage statistics go to a remote endpoint unless `UsageStatistics.opt_out()` is called before the first
  write: it is, on import of borb through this module;
- on its first write in the main thread it replaces the SIGINT and SIGTERM handlers: they are saved
  before each write and put back after it;
- it prints a licence notice to stdout every 64 documents: writes run with stdout redirected to a
  buffer. `sys.stdout` is process-wide, so the redirection is held under a lock (renders are CPU-bound
  and hold the GIL anyway), and its content goes to the debug log;
- `PDF.write(what=..., where_to=io.BytesIO())` is the only reliable output target;
- a TrueType font takes about a second to load: it is loaded once per process and font file. borb
  writes the font's whole width table (6,000 entries for DejaVu Sans, about 0.2 s a PDF), so each
  document gets a shallow copy of the font whose width table lists only the glyphs it uses;
- `/Producer borb` stays in every PDF, as the AGPL asks (nothing here touches it).
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lms_adapters.pdf.fonts import BuiltFont, FontChain
from lms_adapters.pdf.layout import (
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Branding,
    Frame,
    Image,
    Item,
    QrCode,
    Rule,
    Text,
    compose,
    document_title,
    every_text,
)
from lms_adapters.pdf.metadata import PdfMetadata
from lms_core.certificates.entities import CertificateContent

log = logging.getLogger("lms.pdf.borb")

# One render at a time per process: stdout and the signal handlers are process-wide, and the font is shared.
_LOCK = threading.RLock()
_FONTS: dict[str, _LoadedFont] = {}
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class _LoadedFont:
    font: Any  # borb's Font (a dict); a Type 0 font for any font with glyphs beyond code 255
    widths: dict[int, list[float]]  # CID -> [width], when `font` is a Type 0 font


def _borb() -> Any:
    """borb, imported on first use (about 0.15 s) with its usage statistics switched off."""
    import borb.pdf

    borb.pdf.UsageStatistics.opt_out()
    return borb.pdf


def _load_font(path: str) -> _LoadedFont:
    with _LOCK:
        loaded = _FONTS.get(path)
        if loaded is None:
            font = _borb().TrueTypeFont.from_file(path)
            widths = _glyph_widths(path) if "DescendantFonts" in font else {}
            font.get_character_code(" ")  # builds borb's character tables once, before documents share them
            loaded = _FONTS[path] = _LoadedFont(font, widths)
        return loaded


def _glyph_widths(path: str) -> dict[int, list[float]]:
    """CID (glyph index) -> [width in 1/1000 em], from the font's metrics. borb's own table gives 0 to every
    glyph whose name is not in the Adobe Glyph List (`uniFEE3`...), which piles Arabic letters on each other."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        scale = 1000 / font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        return {cid: [round(metrics[name][0] * scale, 2)] for cid, name in enumerate(font.getGlyphOrder())}


@contextlib.contextmanager
def _quiet_and_signal_safe() -> Iterator[None]:
    """Hold the render lock; keep borb's stdout notice out of stdout and its signal handlers out of the process."""
    with _LOCK:
        in_main_thread = threading.current_thread() is threading.main_thread()
        saved = {sig: signal.getsignal(sig) for sig in _SIGNALS} if in_main_thread else {}
        sink = io.StringIO()
        try:
            with contextlib.redirect_stdout(sink):
                yield
        finally:
            for sig, handler in saved.items():
                if handler is not None and signal.getsignal(sig) is not handler:
                    signal.signal(sig, handler)
            if sink.getvalue():
                log.debug("borb printed (kept off stdout): %s", sink.getvalue().strip())


class BorbCertificateRenderer:
    """`CertificateRenderer` on borb: the page `layout.compose` plans, a QR code of the verification URL."""

    name = "borb"

    def __init__(
        self, font_path: str | None, *, fallbacks: tuple[str, ...] = (), branding: Branding | None = None
    ) -> None:
        self._font_path = font_path
        self._fallbacks = fallbacks
        self._branding = branding or Branding()
        self._chain: FontChain | None = None

    def warm_up(self) -> None:
        """Import borb and load the fonts now rather than on the first certificate."""
        _borb()
        self._ensure_chain()
        if self._font_path is not None:
            _load_font(self._font_path)

    def _ensure_chain(self) -> FontChain:
        if self._chain is None:
            self._chain = FontChain.of(self._font_path, self._fallbacks)
        return self._chain

    def render(self, content: CertificateContent) -> bytes:
        chain = self._ensure_chain()
        chain.require_drawable(_fields(content))
        pdf = _borb()
        items = compose(content, chain, self._branding)
        text = every_text(items)
        loaded = _load_font(self._font_path) if self._font_path is not None else None
        # A character the cmap has but borb cannot encode (no Unicode name for its glyph) needs the built font.
        encodable = None if loaded is None else (lambda c: loaded.font.get_character_code(c) >= 0)
        built = chain.built_font(text) if chain.needs_fallback(text, encodable) else None
        metadata = PdfMetadata.of(content, self._branding, document_title(content))
        with _quiet_and_signal_safe():
            if built is not None:
                font: Any = _font_for(_load_built(built), text)
            elif loaded is not None:
                font = _font_for(loaded, text)
            else:
                font = "Helvetica"
            document = pdf.Document()
            page = pdf.Page(width_in_points=PAGE_WIDTH, height_in_points=PAGE_HEIGHT)
            document.append_page(page)
            for item in items:
                _paint(pdf, page, item, font)
            info = document["Trailer"]["Info"]
            # borb fills in /Producer borb when the document is written; the AGL asks that it stays.
            for key, value in metadata.entries().items():
                info[pdf.primitives.name(key)] = _text_string(value)
            buffer = io.BytesIO()
            pdf.PDF.write(what=document, where_to=buffer)
        return buffer.getvalue()


def _text_string(text: str) -> Any:
    """A PDF text string in UTF-16 with its byte-order mark, as hex: borb writes a `str` as a Latin-1
    literal without escaping, which fails on other scripts and breaks on a parenthesis."""
    from borb.pdf.primitives import hexstr

    return hexstr("FEFF" + text.encode("utf-16-be").hex().upper())


def _fields(content: CertificateContent) -> dict[str, str]:
    return {
        "student_name": content.student_name,
        "course_title": content.course_title,
        "instructor_name": content.instructor_name,
    }


def _paint(pdf: Any, page: Any, item: Item, font: Any) -> None:
    if isinstance(item, Text):
        paragraph = pdf.Paragraph(
            item.text,
            font=font,
            font_size=round(item.size, 2),
            font_color=pdf.RGBColor(*item.colour),
            horizontal_alignment=pdf.LayoutElement.HorizontalAlignment.MIDDLE,
            text_alignment=pdf.LayoutElement.TextAlignment.CENTERED,
        )
        # borb puts the first baseline one line height (its own figure) below the top of the box.
        half = min(item.x, PAGE_WIDTH - item.x)
        height = paragraph.get_size(available_space=(2 * half, PAGE_HEIGHT))[1]
        paragraph.paint((item.x - half, item.y, 2 * half, height), page)
    elif isinstance(item, Frame):
        _polygon(pdf, page, [(0, 0), (item.w, 0), (item.w, item.h), (0, item.h), (0, 0)],
                 (item.x, item.y, item.w, item.h), item.width, item.colour)  # fmt: skip
    elif isinstance(item, Rule):
        w, h = abs(item.x2 - item.x1), abs(item.y2 - item.y1)
        _polygon(pdf, page, [(0, 0), (w, h)], (min(item.x1, item.x2), min(item.y1, item.y2), w, h),
                 item.width, item.colour)  # fmt: skip
    elif isinstance(item, Image):
        size = (round(item.w), round(item.h))
        # A Path, never a str: borb fetches a str as a URL.
        pdf.Image(item.picture.path, size=size).paint((item.x, item.y, *size), page)
    elif isinstance(item, QrCode):
        side = round(item.size)
        pdf.QRCode(item.data, size=(side, side)).paint((item.x, item.y, side, side), page)


def _polygon(
    pdf: Any,
    page: Any,
    points: list[tuple[float, float]],
    box: tuple[float, float, float, float],
    width: float,
    colour: tuple[int, int, int],
) -> None:
    shape = pdf.Shape(coordinates=points, stroke_color=pdf.RGBColor(*colour), fill_color=None, line_width=width)
    shape.paint(box, page)


_BUILT_LOADED: dict[str, _LoadedFont] = {}


def _load_built(built: BuiltFont) -> _LoadedFont:
    """borb's font for a built font (read from a file, the one source borb takes), kept while it is in use
    by recent documents."""
    loaded = _BUILT_LOADED.get(built.name)
    if loaded is None:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory(prefix="lms-font-") as directory:
            path = Path(directory) / f"{built.name}.ttf"
            path.write_bytes(built.data)
            font = _borb().TrueTypeFont.from_file(path)
        font.get_character_code(" ")
        if len(_BUILT_LOADED) >= 64:
            _BUILT_LOADED.pop(next(iter(_BUILT_LOADED)))
        loaded = _BUILT_LOADED[built.name] = _LoadedFont(font, {cid: [width] for cid, width in built.widths.items()})
    return loaded


def _font_for(loaded: _LoadedFont, text: str) -> Any:
    """The process's font with a width table of only the glyphs `text` uses (others are never drawn)."""
    if not loaded.widths:
        return loaded.font
    base = loaded.font
    codes = sorted({base.get_character_code(c) for c in text + " -"} - {-1})
    table: list[Any] = []
    for code in codes:
        if code in loaded.widths:
            table += [code, loaded.widths[code]]
    descendant = copy.copy(base["DescendantFonts"][0])
    descendant["W"] = table
    font = copy.copy(base)
    font["DescendantFonts"] = [descendant]
    return font
