"""Certificates drawn with reportlab (BSD licence): the permissive alternative to borb.

reportlab embeds only the glyphs a document uses (about 20 KB a certificate with DejaVu Sans) and
writes a ToUnicode map, so the text stays extractable. The QR code is drawn as vector squares from
segno's matrix. The font is registered once per process.
"""

from __future__ import annotations

import hashlib
import io
import threading
from typing import Any

from lms_adapters.pdf.fonts import FontFace, drawable_fields, font_face
from lms_adapters.pdf.layout import (
    PAGE_HEIGHT,
    PAGE_WIDTH,
    QR_SIZE,
    REVOKED_COLOUR,
    TITLE,
    certificate_lines,
    revocation_lines,
    verification_line,
)
from lms_core.certificates.entities import CertificateContent

# reportlab keeps per-document font state in shared font objects: one render at a time per process.
_LOCK = threading.Lock()
_REGISTERED: dict[str, str] = {}
TOP_MARGIN = 70
REVOKED_TOP_MARGIN = 20


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


class ReportlabCertificateRenderer:
    """`CertificateRenderer` on reportlab: A4 landscape, centred text, a QR code of the verification URL."""

    name = "reportlab"

    def __init__(self, font_path: str | None) -> None:
        self._font_path = font_path
        self._face: FontFace | None = None

    def warm_up(self) -> None:
        self._ensure_face()
        _font_name(self._font_path)

    def _ensure_face(self) -> FontFace:
        if self._face is None:
            self._face = font_face(self._font_path)
        return self._face

    def render(self, content: CertificateContent) -> bytes:
        from reportlab.pdfgen.canvas import Canvas

        prepared = drawable_fields(content, self._ensure_face())
        font = _font_name(self._font_path)
        buffer = io.BytesIO()
        with _LOCK:
            canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
            canvas.setTitle(f"{TITLE} {content.certificate_number}")
            canvas.setSubject(content.verification_url)
            y = PAGE_HEIGHT - TOP_MARGIN
            revoked = revocation_lines(content)
            if revoked:
                # The mark takes the top margin, so the rest of the page keeps its place.
                y = PAGE_HEIGHT - REVOKED_TOP_MARGIN
                red, green, blue = (part / 255 for part in REVOKED_COLOUR)
                canvas.setFillColorRGB(red, green, blue)
                for line in revoked:
                    y -= line.gap_before + line.size
                    canvas.setFont(font, line.size)
                    canvas.drawCentredString(PAGE_WIDTH / 2, y, line.text)
                canvas.setFillGray(0)
                y = min(y, PAGE_HEIGHT - TOP_MARGIN)
            for line in certificate_lines(content, prepared):
                y -= line.gap_before + line.size
                canvas.setFont(font, line.size)
                canvas.drawCentredString(PAGE_WIDTH / 2, y, line.text)
            y -= 16 + QR_SIZE
            _draw_qr(canvas, content.verification_url, x=(PAGE_WIDTH - QR_SIZE) / 2, y=y, size=QR_SIZE)
            verify = verification_line(content)
            canvas.setFont(font, verify.size)
            canvas.drawCentredString(PAGE_WIDTH / 2, y - verify.gap_before - verify.size, verify.text)
            canvas.showPage()
            canvas.save()
        return buffer.getvalue()


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
