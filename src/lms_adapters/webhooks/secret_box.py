"""Webhook signing secrets at rest: AES-256-GCM under a key derived from the server secret."""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lms_adapters.security.keys import derive_key

VERSION = "v1"
NONCE_BYTES = 12
_ASSOCIATED = b"webhook-secret"


class AesGcmSecretBox:
    """Implements `SecretBox`: `v1.<base64url(nonce | ciphertext | tag)>`.

    Its key serves this purpose only. Changing `LMS_SECRET_KEY` makes the stored secrets unreadable:
    endpoints then need a rotation (their deliveries fail and are retried meanwhile).
    """

    def __init__(self, secret_key: str) -> None:
        self._aead = AESGCM(derive_key(secret_key, "webhook-secrets"))

    def seal(self, secret: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        box = nonce + self._aead.encrypt(nonce, secret.encode(), _ASSOCIATED)
        return f"{VERSION}.{base64.urlsafe_b64encode(box).decode()}"

    def open(self, sealed: str) -> str:
        version, _, encoded = sealed.partition(".")
        if version != VERSION:
            raise ValueError(f"unknown sealed secret version {version!r}")
        try:
            box = base64.urlsafe_b64decode(encoded)
            return self._aead.decrypt(box[:NONCE_BYTES], box[NONCE_BYTES:], _ASSOCIATED).decode()
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise ValueError("the webhook secret does not open with this server's secret key") from exc
