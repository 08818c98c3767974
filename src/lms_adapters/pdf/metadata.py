"""The PDF's document information: who issued the certificate and what it certifies."""

from __future__ import annotations

from dataclasses import dataclass

from lms_adapters.pdf.layout import Branding
from lms_core.certificates.entities import CertificateContent

CREATOR = "lms"


@dataclass(frozen=True, slots=True)
class PdfMetadata:
    """Author: the issuing organisation (else the course's instructor, who issued it); Creator: the
    organisation's certificate service; Title: whom and what it certifies; Subject: where to check it."""

    title: str
    author: str
    creator: str
    subject: str

    @classmethod
    def of(cls, content: CertificateContent, branding: Branding, title: str) -> PdfMetadata:
        issuer = (branding.issuer or "").strip()
        return cls(
            title=title,
            author=issuer or content.instructor_name,
            creator=f"{issuer} ({CREATOR})" if issuer else CREATOR,
            subject=content.verification_url,
        )

    def entries(self) -> dict[str, str]:
        return {"Title": self.title, "Author": self.author, "Creator": self.creator, "Subject": self.subject}
