"""Where everything on a certificate goes, computed once for both renderers so that they draw the same page.

The page is composed, not flowed: every item has its place in points, so nothing can spill onto a second
page. Long names and course titles shrink, or break onto a second line and shrink, to fit the width;
and should the whole stack of texts still be taller than its zone (a revocation mark, a logo, an issuer
and two-line name and title at once), every size and gap in it shrinks by the same factor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from lms_adapters.pdf.fonts import FontChain
from lms_core.certificates.entities import CertificateContent

PAGE_WIDTH, PAGE_HEIGHT = 842, 595  # A4 landscape, in points
TITLE = "Certificate of Completion"
Colour = tuple[int, int, int]  # RGB, 0 to 255
INK: Colour = (33, 37, 41)
MUTED: Colour = (96, 104, 114)
ACCENT: Colour = (28, 56, 99)
GOLD: Colour = (176, 141, 62)
# The revocation mark of a revoked certificate's PDF.
REVOKED_COLOUR: Colour = (200, 0, 0)

OUTER_INSET, INNER_INSET = 18, 27
CENTRE = PAGE_WIDTH / 2
TEXT_WIDTH = PAGE_WIDTH - 2 * 90  # the widest a line of the upper stack may be
STACK_TOP, STACK_BOTTOM = PAGE_HEIGHT - 50, 168  # the zone of the upper stack of texts
QR_SIZE = 76
QR_Y = 66
COLUMN_X = (190.0, PAGE_WIDTH - 190.0)  # centres of the date (left) and signature (right) columns
COLUMN_WIDTH = 230
SIGNATURE_LINE_Y = 96
LOGO_BOX = (180, 56)
SIGNATURE_BOX = (190, 50)


@dataclass(frozen=True, slots=True)
class Picture:
    """An image file (PNG or JPEG) with its pixel size, checked when the renderer is built."""

    path: Path
    width: int
    height: int

    def fitted(self, box: tuple[float, float]) -> tuple[float, float]:
        """Its size in points scaled to fit `box`, keeping its proportions."""
        scale = min(box[0] / self.width, box[1] / self.height)
        return self.width * scale, self.height * scale


@dataclass(frozen=True, slots=True)
class Branding:
    """What the issuing organisation adds: its name, its logo above the title and a signature above the
    instructor's name (each optional)."""

    issuer: str | None = None
    logo: Picture | None = None
    signature: Picture | None = None


@dataclass(frozen=True, slots=True)
class Text:
    """A line drawn centred on `x`, its baseline at `y` (prepared: shaped and in visual order)."""

    text: str
    size: float
    x: float
    y: float
    colour: Colour = INK


@dataclass(frozen=True, slots=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    colour: Colour


@dataclass(frozen=True, slots=True)
class Frame:
    x: float
    y: float
    w: float
    h: float
    width: float
    colour: Colour


@dataclass(frozen=True, slots=True)
class Image:
    picture: Picture
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class QrCode:
    data: str
    x: float
    y: float
    size: float


Item = Text | Rule | Frame | Image | QrCode


@dataclass(frozen=True, slots=True)
class _Block:
    """A block of the upper stack: text lines, a rule or a picture, with the space above it."""

    gap: float
    lines: tuple[str, ...] = ()
    size: float = 0
    colour: Colour = INK
    rule: float = 0  # the width of a rule, when the block is one
    picture: Picture | None = None
    box: tuple[float, float] = (0, 0)

    def height(self, scale: float) -> float:
        if self.picture is not None:
            return self.picture.fitted(self.box)[1] * scale
        if self.rule:
            return 1.0
        return len(self.lines) * self.size * 1.22 * scale


def fit(chain: FontChain, text: str, size: float, width: float, max_lines: int) -> tuple[tuple[str, ...], float]:
    """`text` as at most `max_lines` prepared lines no wider than `width`, and the size that makes them fit:
    one line at `size` when it fits; else the larger of one shrunk line and two lines broken where the
    longer of the two is shortest (between words, or between characters in scripts without spaces)."""
    logical = " ".join(text.split())
    whole = chain.prepare(logical)
    measured = chain.width(whole, size)
    if measured <= width:
        return (whole,), size
    one_line = size * width / measured
    if max_lines < 2 or len(logical) < 2:
        return (whole,), one_line
    spaces = [i for i, c in enumerate(logical) if c == " "]
    breaks = spaces or list(range(1, len(logical)))
    best: tuple[float, str, str] | None = None
    for at in breaks:
        first, second = logical[:at].strip(), logical[at:].strip()
        if not first or not second:
            continue
        first, second = chain.prepare(first), chain.prepare(second)
        longest = max(chain.width(first, size), chain.width(second, size))
        if best is None or longest < best[0]:
            best = (longest, first, second)
    if best is None:
        return (whole,), one_line
    two_lines = min(size, size * width / best[0])
    if two_lines <= one_line * 1.15:  # breaking is worth it only when the text gets noticeably larger
        return (whole,), one_line
    return (best[1], best[2]), two_lines


def compose(content: CertificateContent, chain: FontChain, branding: Branding) -> list[Item]:
    """Every item of the page, in drawing order (the revocation mark first, so that it reads first)."""
    items: list[Item] = [
        Frame(OUTER_INSET, OUTER_INSET, PAGE_WIDTH - 2 * OUTER_INSET, PAGE_HEIGHT - 2 * OUTER_INSET, 2.6, ACCENT),
        Frame(INNER_INSET, INNER_INSET, PAGE_WIDTH - 2 * INNER_INSET, PAGE_HEIGHT - 2 * INNER_INSET, 0.8, GOLD),
    ]
    items += _stack(content, chain, branding)
    items += _footer(content, chain, branding)
    return items


def _stack(content: CertificateContent, chain: FontChain, branding: Branding) -> list[Item]:
    blocks: list[_Block] = []
    if content.revoked_on is not None:
        mark = f"REVOKED {content.revoked_on.isoformat()} - no longer valid"
        lines, size = fit(chain, mark, 22, TEXT_WIDTH, 1)
        blocks.append(_Block(0, lines, size, REVOKED_COLOUR))
    if branding.logo is not None:
        blocks.append(_Block(8, picture=branding.logo, box=LOGO_BOX))
    if branding.issuer:
        lines, size = fit(chain, branding.issuer, 14, TEXT_WIDTH, 1)
        blocks.append(_Block(8, lines, size, ACCENT))
    blocks.append(_Block(10, (TITLE,), 32, ACCENT))
    blocks.append(_Block(8, rule=120))
    blocks.append(_Block(16, ("This certifies that",), 13, MUTED))
    name_lines, name_size = fit(chain, content.student_name, 30, TEXT_WIDTH, 2)
    blocks.append(_Block(10, name_lines, name_size, INK))
    widest = max(chain.width(line, name_size) for line in name_lines)
    blocks.append(_Block(6, rule=min(TEXT_WIDTH, max(220.0, widest + 60))))
    blocks.append(_Block(14, ("has successfully completed the course",), 13, MUTED))
    title_lines, title_size = fit(chain, content.course_title, 21, TEXT_WIDTH, 2)
    blocks.append(_Block(10, title_lines, title_size, ACCENT))

    blocks[0] = replace(blocks[0], gap=0)
    zone = STACK_TOP - STACK_BOTTOM
    natural = sum(block.gap + block.height(1) for block in blocks)
    scale = min(1.0, zone / natural)
    # Centred in its zone: a short certificate (no logo, one-line name) is balanced, not top-heavy.
    y = STACK_TOP - (zone - natural * scale) / 2
    items: list[Item] = []
    for block in blocks:
        y -= block.gap * scale
        if block.picture is not None:
            w, h = block.picture.fitted(block.box)
            w, h = w * scale, h * scale
            items.append(Image(block.picture, CENTRE - w / 2, y - h, w, h))
            y -= h
        elif block.rule:
            items.append(Rule(CENTRE - block.rule / 2, y, CENTRE + block.rule / 2, y, 0.7, GOLD))
            y -= 1
        else:
            size = block.size * scale
            for line in block.lines:
                # The baseline sits below the line's top by its ascent (about 0.9 of the size).
                items.append(Text(line, size, CENTRE, y - size * 0.92, block.colour))
                y -= size * 1.22
    return items


def _footer(content: CertificateContent, chain: FontChain, branding: Branding) -> list[Item]:
    left, right = COLUMN_X
    half = COLUMN_WIDTH / 2
    items: list[Item] = [
        # The date of completion over its line (left), the signature over the instructor's name (right).
        Text(content.completion_date.isoformat(), 13, left, SIGNATURE_LINE_Y + 6, INK),
        Rule(left - half * 0.75, SIGNATURE_LINE_Y, left + half * 0.75, SIGNATURE_LINE_Y, 0.7, MUTED),
        Text("Date of completion", 9, left, SIGNATURE_LINE_Y - 14, MUTED),
        Text(f"Certificate {content.certificate_number}", 8, left, SIGNATURE_LINE_Y - 28, MUTED),
    ]
    if branding.signature is not None:
        w, h = branding.signature.fitted(SIGNATURE_BOX)
        items.append(Image(branding.signature, right - w / 2, SIGNATURE_LINE_Y + 3, w, h))
    items.append(Rule(right - half * 0.75, SIGNATURE_LINE_Y, right + half * 0.75, SIGNATURE_LINE_Y, 0.7, MUTED))
    lines, size = fit(chain, content.instructor_name, 12, COLUMN_WIDTH, 1)
    items.append(Text(lines[0], size, right, SIGNATURE_LINE_Y - 15, INK))
    items.append(Text("Instructor", 9, right, SIGNATURE_LINE_Y - 28, MUTED))
    items.append(QrCode(content.verification_url, CENTRE - QR_SIZE / 2, QR_Y, QR_SIZE))
    verify, verify_size = fit(chain, f"Verify at {content.verification_url}", 7, PAGE_WIDTH - 2 * 60, 1)
    items.append(Text(verify[0], verify_size, CENTRE, QR_Y - 11, MUTED))
    return items


def document_title(content: CertificateContent) -> str:
    """The PDF's title: what it certifies, in the logical (not the drawn) order of the text."""
    return f"{TITLE}: {content.student_name}, {content.course_title}"


def every_text(items: list[Item]) -> str:
    return "".join(item.text for item in items if isinstance(item, Text))
