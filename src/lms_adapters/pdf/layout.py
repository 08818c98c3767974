"""What a certificate says, line by line, shared by both renderers so that they print the same text."""

from __future__ import annotations

from dataclasses import dataclass

from lms_core.certificates.entities import CertificateContent

PAGE_WIDTH, PAGE_HEIGHT = 842, 595  # A4 landscape, in points
QR_SIZE = 90
TITLE = "Certificate of Completion"
# The revocation mark (red) of a revoked certificate's PDF, as RGB from 0 to 255.
REVOKED_COLOUR = (200, 0, 0)


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    size: int
    gap_before: int  # points of space above the line


def certificate_lines(content: CertificateContent, prepared: dict[str, str]) -> list[Line]:
    """The lines from top to bottom; `prepared` holds the names as `drawable_fields` made them."""
    return [
        Line(TITLE, 34, 0),
        Line("This certifies that", 14, 24),
        Line(prepared["student_name"], 30, 12),
        Line("has successfully completed the course", 14, 12),
        Line(prepared["course_title"], 22, 12),
        Line(f"Instructor: {prepared['instructor_name']}", 13, 24),
        Line(f"Completed on {content.completion_date.isoformat()}", 13, 6),
        Line(f"Certificate number: {content.certificate_number}", 11, 18),
    ]


def verification_line(content: CertificateContent) -> Line:
    return Line(f"Verify at {content.verification_url}", 8, 4)


def revocation_lines(content: CertificateContent) -> list[Line]:
    """The mark above everything else on a revoked certificate (none on a standing one). Both renderers
    draw it in `REVOKED_COLOUR`, so that a printed or forwarded copy cannot pass for a valid certificate."""
    if content.revoked_on is None:
        return []
    # One line: on borb's spacing the certificate nearly fills the page, and the mark must not push the
    # QR code onto a second one.
    return [Line(f"REVOKED {content.revoked_on.isoformat()} - no longer valid", 24, 0)]
