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

from lms_adapters.pdf.fonts import FontFace, drawable_fields, font_face
from lms_adapters.pdf.layout import (
    PAGE_HEIGHT,
    PAGE_WIDTH,
    QR_SIZE,
    REVOKED_COLOUR,
    certificate_lines,
    revocation_lines,
    verification_line,
)
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
    """`CertificateRenderer` on borb: A4 landscape, centred text, a QR code of the verification URL."""

    name = "borb"

    def __init__(self, font_path: str | None) -> None:
        self._font_path = font_path
        self._face: FontFace | None = None

    def warm_up(self) -> None:
        """Import borb and load the font now rather than on the first certificate."""
        _borb()
        self._ensure_face()
        if self._font_path is not None:
            _load_font(self._font_path)

    def _ensure_face(self) -> FontFace:
        if self._face is None:
            self._face = font_face(self._font_path)
        return self._face

    def render(self, content: CertificateContent) -> bytes:
        face = self._ensure_face()
        pdf = _borb()
        loaded = _load_font(self._font_path) if self._font_path is not None else None
        # A character the cmap has but borb cannot encode (no Unicode name for its glyph) counts as missing.
        encodable = None if loaded is None else (lambda c: loaded.font.get_character_code(c) >= 0)
        prepared = drawable_fields(content, face, encodable)
        revoked = revocation_lines(content)
        lines = [*certificate_lines(content, prepared), verification_line(content)]
        with _quiet_and_signal_safe():
            every_text = "".join(line.text for line in [*revoked, *lines])
            font: Any = "Helvetica" if loaded is None else _font_for(loaded, every_text)
            document = pdf.Document()
            page = pdf.Page(width_in_points=PAGE_WIDTH, height_in_points=PAGE_HEIGHT)
            document.append_page(page)
            # A revoked certificate's mark takes most of the top margin, so the rest keeps its place.
            layout = pdf.SingleColumnLayout(
                page, margin_top=12 if revoked else 48, margin_bottom=24, margin_left=48, margin_right=48
            )
            middle = pdf.LayoutElement.HorizontalAlignment.MIDDLE
            centred = pdf.LayoutElement.TextAlignment.CENTERED
            for line in revoked:
                layout.append_layout_element(
                    pdf.Paragraph(
                        line.text,
                        font=font,
                        font_size=line.size,
                        font_color=pdf.RGBColor(*REVOKED_COLOUR),
                        horizontal_alignment=middle,
                        text_alignment=centred,
                        margin_top=line.gap_before,
                    )
                )
            *text_lines, verify = lines
            for line in text_lines:
                layout.append_layout_element(
                    pdf.Paragraph(
                        line.text,
                        font=font,
                        font_size=line.size,
                        horizontal_alignment=middle,
                        text_alignment=centred,
                        margin_top=line.gap_before,
                    )
                )
            layout.append_layout_element(
                pdf.QRCode(
                    content.verification_url, size=(QR_SIZE, QR_SIZE), horizontal_alignment=middle, margin_top=16
                )
            )
            layout.append_layout_element(
                pdf.Paragraph(verify.text, font=font, font_size=verify.size, horizontal_alignment=middle)
            )
            buffer = io.BytesIO()
            pdf.PDF.write(what=document, where_to=buffer)
        return buffer.getvalue()


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
