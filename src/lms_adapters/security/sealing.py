"""Sealing outbox payloads that carry secrets: AES-256-GCM with a key derived from the server secret."""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lms_adapters.security.keys import derive_key

SEALED_FIELD = "sealed"
VERSION = "v1"
NONCE_BYTES = 12


class AesGcmPayloadSealer:
    """Implements `PayloadSealer`.

    A sealed payload is stored as `{"sealed": "v1.<base64url(nonce | ciphertext | tag)>"}`. The event type
    is the associated data, so a sealed payload copied under another event type does not open. The key is
    derived from `LMS_SECRET_KEY` for this purpose only; changing the secret key makes messages sealed
    under the old one undeliverable (they fail, are retried, then kept as dead).
    """

    def __init__(self, secret_key: str, sealed_event_types: Iterable[str]) -> None:
        self._aead = AESGCM(derive_key(secret_key, "outbox-payload"))
        self._sealed = frozenset(sealed_event_types)

    def seal(self, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        if event_type not in self._sealed:
            return payload
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(payload, separators=(",", ":")).encode()
        box = nonce + self._aead.encrypt(nonce, plain, event_type.encode())
        return {SEALED_FIELD: f"{VERSION}.{base64.urlsafe_b64encode(box).decode()}"}

    def unseal(self, event_type: str, stored: dict[str, Any]) -> dict[str, Any]:
        sealed = stored.get(SEALED_FIELD)
        if len(stored) != 1 or not isinstance(sealed, str):
            return stored
        version, _, encoded = sealed.partition(".")
        if version != VERSION:
            raise ValueError(f"unknown sealed payload version {version!r}")
        try:
            box = base64.urlsafe_b64decode(encoded)
            plain = self._aead.decrypt(box[:NONCE_BYTES], box[NONCE_BYTES:], event_type.encode())
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise ValueError("the sealed payload does not open with this server's secret key") from exc
        opened: dict[str, Any] = json.loads(plain)
        return opened
