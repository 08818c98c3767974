"""Certificates drawn with reportlab (BSD licence): the permissive alternative to borb.

reportlab embeds only the glyphs a document uses (about 20 KB a certificate with DejaVu Sans) and
writes a ToUnicode map, so the text stays extractable. The QR code is drawn as vector squares from
segno's matrix. The font is registered once per process.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from typing import Any

from lms_adapters.pdf.fonts import BuiltFont, FontChain
from lms_adapters.pdf.layout import (
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Branding,
    Colour,
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
from lms_adapters.pdf.metadata import CREATOR, PdfMetadata
from lms_core.certificates.entities import CertificateContent

# reportlab keeps per-document font state in shared font objects: one render at a time per process.
_LOCK = threading.Lock()
_REGISTERED: dict[str, str] = {}
# Fonts built for documents that need a fallback, registered under their own names: the most recent only.
_BUILT_REGISTERED: OrderedDict[str, None] = OrderedDict()
_BUILT_LIMIT = 64


def _font_name(path: str | None) -> str:
    if path is None:
        return "Helvetica"
    with _LOCK:
        name = _REGISTERED.get(path)
        if name is None:
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            name = "LmsCertificate-" + hashlib.sha1(path.encode(), usedforsecurity=False).hexdigest()[:8]
            pdfmetrics.registerFont(TTFont(name, path))
            _REGISTERED[path] = name
        return name


def _built_font_name(built: BuiltFont) -> str:
    """Register a built font (under the render lock); reportlab has no public way to forget one, so the
    oldest is dropped from its registry by hand once more than `_BUILT_LIMIT` are registered."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if built.name in _BUILT_REGISTERED:
        _BUILT_REGISTERED.move_to_end(built.name)
        return built.name
    pdfmetrics.registerFont(TTFont(built.name, io.BytesIO(built.data)))
    _BUILT_REGISTERED[built.name] = None
    if len(_BUILT_REGISTERED) > _BUILT_LIMIT:
        oldest, _ = _BUILT_REGISTERED.popitem(last=False)
        pdfmetrics._fonts.pop(oldest, None)
    return built.name


class ReportlabCertificateRenderer:
    """`CertificateRenderer` on reportlab: the page `layout.compose` plans, a vector QR code."""

    name = "reportlab"

    def __init__(
        self, font_path: str | None, *, fallbacks: tuple[str, ...] = (), branding: Branding | None = None
    ) -> None:
        self._font_path = font_path
        self._fallbacks = fallbacks
        self._branding = branding or Branding()
        self._chain: FontChain | None = None

    def warm_up(self) -> None:
        self._ensure_chain()
        _font_name(self._font_path)

    def _ensure_chain(self) -> FontChain:
        if self._chain is None:
            self._chain = FontChain.of(self._font_path, self._fallbacks)
        return self._chain

    def render(self, content: CertificateContent) -> bytes:
        from reportlab.pdfgen.canvas import Canvas

        chain = self._ensure_chain()
        chain.require_drawable(
            {
                "student_name": content.student_name,
                "course_title": content.course_title,
                "instructor_name": content.instructor_name,
            }
        )
        items = compose(content, chain, self._branding)
        text = every_text(items)
        built = chain.built_font(text) if chain.needs_fallback(text) else None
        font = _font_name(self._font_path)
        metadata = PdfMetadata.of(content, self._branding, document_title(content))
        buffer = io.BytesIO()
        with _LOCK:
            if built is not None:
                font = _built_font_name(built)
            canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
            canvas.setTitle(metadata.title)
            canvas.setAuthor(metadata.author)
            canvas.setCreator(metadata.creator)
            canvas.setSubject(metadata.subject)
            canvas.setProducer(f"{CREATOR} with ReportLab")
            for item in items:
                _draw(canvas, item, font)
            canvas.showPage()
            canvas.save()
        return buffer.getvalue()


def _rgb(colour: Colour) -> tuple[float, float, float]:
    red, green, blue = colour
    return red / 255, green / 255, blue / 255


def _draw(canvas: Any, item: Item, font: str) -> None:
    if isinstance(item, Text):
        canvas.setFillColorRGB(*_rgb(item.colour))
        canvas.setFont(font, item.size)
        canvas.drawCentredString(item.x, item.y, item.text)
    elif isinstance(item, Frame):
        canvas.setStrokeColorRGB(*_rgb(item.colour))
        canvas.setLineWidth(item.width)
        canvas.rect(item.x, item.y, item.w, item.h, stroke=1, fill=0)
    elif isinstance(item, Rule):
        canvas.setStrokeColorRGB(*_rgb(item.colour))
        canvas.setLineWidth(item.width)
        canvas.line(item.x1, item.y1, item.x2, item.y2)
    elif isinstance(item, Image):
        canvas.drawImage(str(item.picture.path), item.x, item.y, item.w, item.h, mask="auto")
    elif isinstance(item, QrCode):
        _draw_qr(canvas, item.data, x=item.x, y=item.y, size=item.size)


def _draw_qr(canvas: Any, data: str, *, x: float, y: float, size: float) -> None:
    import segno

    qr = segno.make(data, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    modules = len(matrix)
    quiet = 2
    cell = size / (modules + 2 * quiet)
    canvas.setFillGray(0)
    path = canvas.beginPath()
    for row_number, row in enumerate(matrix):
        for column, dark in enumerate(row):
            if dark:
                path.rect(x + (column + quiet) * cell, y + size - (row_number + quiet + 1) * cell, cell, cell)
    canvas.drawPath(path, stroke=0, fill=1)
