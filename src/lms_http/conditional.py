"""Validators: ETags and `If-None-Match` (RFC 9110 sections 8.8.3 and 13.1.2)."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Response

from lms_core.certificates.views import CertificateFile
from lms_core.files.entities import attachment_disposition


def weak_etag(body: bytes) -> str:
    """A weak validator of an encoded body: equal bytes, equal tag (16 bytes of BLAKE2b)."""
    return f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def none_match_fails(if_none_match: str | None, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (or is `*`): then a GET or HEAD answers 304. The comparison is
    weak, as the RFC requires for this header: `W/"x"` and `"x"` are the same tag."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    # Bounded: a header of thousands of tags is not worth parsing; it simply does not match.
    tags = if_none_match.split(",", 64)[:64]
    return any(tag.strip().removeprefix("W/") == wanted for tag in tags)


def headers_only(headers: dict[str, str], status_code: int = 200) -> Response[Any]:
    """A response without a body: a 304, or the answer to a HEAD (an empty body, not None, which Litestar
    would send as `null`; the server sends no body to a HEAD whatever the length says)."""
    return Response(content=b"", status_code=status_code, headers=headers)


def pdf_response(pdf: CertificateFile, if_none_match: str | None, *, with_body: bool) -> Response[Any]:
    """A certificate's PDF (or, for HEAD, its headers) with a strong ETag of its bytes, or 304. The PDF
    is read whole anyway, and a regenerated one (a revoked certificate) is new bytes, hence a new tag."""
    etag = f'"{hashlib.sha256(pdf.content).hexdigest()}"'
    validators = {"ETag": etag, "Cache-Control": "private, no-store"}
    if none_match_fails(if_none_match, etag):
        return headers_only(validators, 304)
    headers = {
        **validators,
        "Content-Type": pdf.content_type,
        "Content-Length": str(len(pdf.content)),
        "Content-Disposition": attachment_disposition(pdf.filename),
    }
    if not with_body:
        return headers_only(headers)
    return Response(pdf.content, media_type=pdf.content_type, headers=headers)
