"""AES-GCM sealing of outbox payloads that carry secrets."""

from __future__ import annotations

import base64

import pytest

from lms_adapters.security.sealing import AesGcmPayloadSealer

KEY = "k" * 40
PAYLOAD = {"to": "a@example.com", "template": "password_reset", "context": {"link": "https://x/reset?token=SECRET"}}


def test_a_sealed_payload_opens_to_what_was_sealed_and_hides_it() -> None:
    sealer = AesGcmPayloadSealer(KEY, ["emails.requested"])
    stored = sealer.seal("emails.requested", PAYLOAD)
    assert list(stored) == ["sealed"]
    assert "SECRET" not in repr(stored) and "a@example.com" not in repr(stored)
    assert sealer.seal("emails.requested", PAYLOAD) != stored  # a fresh nonce every time
    assert sealer.unseal("emails.requested", stored) == PAYLOAD


def test_other_event_types_pass_through_in_clear() -> None:
    sealer = AesGcmPayloadSealer(KEY, ["emails.requested"])
    plain = {"user_id": "1", "email": "a@example.com", "role": "student"}
    assert sealer.seal("auth.user_registered", plain) == plain
    assert sealer.unseal("auth.user_registered", plain) == plain


def test_a_payload_does_not_open_under_another_type_key_or_after_tampering() -> None:
    sealer = AesGcmPayloadSealer(KEY, ["emails.requested", "other.secret"])
    stored = sealer.seal("emails.requested", PAYLOAD)
    with pytest.raises(ValueError, match="does not open"):
        sealer.unseal("other.secret", stored)
    with pytest.raises(ValueError, match="does not open"):
        AesGcmPayloadSealer("z" * 40, ["emails.requested"]).unseal("emails.requested", stored)
    box = stored["sealed"]
    # One bit of the ciphertext flipped (not a base64 character, whose low bits may be padding).
    raw = bytearray(base64.urlsafe_b64decode(box.removeprefix("v1.")))
    raw[len(raw) // 2] ^= 0x01
    flipped = "v1." + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(ValueError, match="does not open"):
        sealer.unseal("emails.requested", {"sealed": flipped})
    with pytest.raises(ValueError, match="version"):
        sealer.unseal("emails.requested", {"sealed": "v0." + box[3:]})
