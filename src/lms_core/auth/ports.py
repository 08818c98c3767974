"""Ports of the auth module: tokens, secrets, denylist, rate limits and the token stores.

Passwords are hashed through `users.ports.PasswordHasher`: accounts (and their passwords) belong to users.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_core.auth.entities import OneTimeSecret, RefreshToken, SecretPurpose
from lms_core.shared.actor import Role
from lms_core.shared.ids import UserId


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UserId
    role: Role
    jti: str
    token_version: int
    issued_at: datetime
    expires_at: datetime
    # The refresh-token family the access token was issued with: revoking the family revokes it too.
    family_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    claims: AccessClaims


class AccessTokenCodec(Protocol):
    def issue(
        self, *, user_id: UserId, role: Role, token_version: int, now: datetime, family_id: UUID | None = None
    ) -> IssuedAccessToken: ...

    def decode(self, token: str, *, now: datetime) -> AccessClaims:
        """Verify signature, algorithm and expiry; raise `InvalidToken` otherwise."""
        ...


class AccessTokenDenylist(Protocol):
    """Access tokens revoked before their expiry, by key: a token's `jti` (logout), or the key of a revoked
    refresh-token family (every access token issued with it); an entry lasts until `expires_at`."""

    async def add(self, jti: str, *, expires_at: datetime) -> None: ...

    async def contains(self, jti: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """A growing delay on attempts counted under `key`.

    The first `free` attempts go through at once. After that, each attempt must come at least
    `min(base_seconds * 2 ** (n - free), max_seconds)` after the previous counted one, `n` being the number
    counted so far. The tally is forgotten `forget_after_seconds` after its last counted attempt.
    """

    key: str
    free: int
    base_seconds: int
    max_seconds: int
    forget_after_seconds: int


class RateLimiter(Protocol):
    """Counters shared by every server process: fixed-window limits, growing delays and remembered keys."""

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        """Count one request for `key`; return None if allowed, else the seconds to wait."""
        ...

    async def attempt(self, backoffs: Sequence[Backoff]) -> int | None:
        """Admit one attempt if no backoff makes it wait, counting it under every key, as one atomic step.

        None when admitted; else the seconds to wait, and nothing is counted (a refused attempt does not
        push the delay further).
        """
        ...

    async def forget(self, key: str) -> None:
        """Drop the attempts counted under `key`."""
        ...

    async def remember(self, key: str, *, seconds: int) -> None:
        """Mark `key` for `seconds` (from now; a later mark extends it)."""
        ...

    async def remembers(self, key: str) -> bool: ...


class SecretGenerator(Protocol):
    def url_token(self) -> str:
        """A URL-safe random token with at least 256 bits of entropy."""
        ...

    def numeric_code(self, digits: int) -> str: ...

    def digest(self, secret: str) -> str:
        """A keyed digest of a secret, safe to store and to look up by."""
        ...

    def matches(self, digest: str, secret: str) -> bool:
        """Constant-time comparison of a stored digest with a presented secret."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def get_by_jti(self, token_jti: str) -> RefreshToken | None: ...

    async def mark_rotated(self, token_id: UUID, *, replaced_by: UUID, now: datetime) -> bool:
        """Revoke `token_id` if it is still live; False when another request got there first."""
        ...

    async def revoke(self, token_id: UUID, *, now: datetime) -> None: ...

    async def revoke_family(self, family_id: UUID, *, now: datetime) -> int: ...

    async def revoke_all_for_user(self, user_id: UserId, *, now: datetime) -> int: ...

    async def purge_expired_families(self, *, now: datetime) -> int:
        """Delete the tokens of families whose every token has expired; how many were deleted. A family
        with a live token keeps its rotated ones, so that presenting one still revokes the family."""
        ...


class OneTimeTokenRepository(Protocol):
    async def add(self, secret: OneTimeSecret) -> None: ...

    async def get_by_token(self, token_hash: str, purpose: SecretPurpose) -> OneTimeSecret | None: ...

    async def latest_for_user(self, user_id: UserId, purpose: SecretPurpose) -> OneTimeSecret | None: ...

    async def consume(self, secret_id: UUID, *, now: datetime) -> bool:
        """Mark used if unused and unexpired; False otherwise (single use, safe under concurrency)."""
        ...

    async def claim_attempt(self, secret_id: UUID, *, now: datetime, max_attempts: int) -> int | None:
        """Count one try before the code is compared; the new count, or None when no try is left."""
        ...

    async def retire_for_user(self, user_id: UserId, purpose: SecretPurpose, *, now: datetime) -> None:
        """Expire the user's unused secrets of this purpose (a new request replaces older ones)."""
        ...

    async def purge_expired(self, *, now: datetime) -> int:
        """Delete every secret whose expiry has passed (used or not); how many were deleted."""
        ...
