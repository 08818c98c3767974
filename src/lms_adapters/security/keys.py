"""Per-purpose keys derived from the one configured secret, so no two mechanisms share a key."""

from __future__ import annotations

import hashlib
import hmac

MIN_SECRET_BYTES = 32


def derive_key(secret_key: str, purpose: str) -> bytes:
    if len(secret_key.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"LMS_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes")
    return hmac.new(secret_key.encode(), f"lms:{purpose}".encode(), hashlib.sha256).digest()
