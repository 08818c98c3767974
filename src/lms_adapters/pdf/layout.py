"""What a certificate says, line by line, shared by both renderers so that they print the same text."""

from __future__ import annotations

from dataclasses import dataclass

from lms_core.certificates.entities import CertificateContent

PAGE_WIDTH, PAGE_HEIGHT = 842, 595  # A4 landscape, in points
QR_SIZE = 90
TITLE = "Certificate of Completion"


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
