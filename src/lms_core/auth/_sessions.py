"""Issuing and rotating sessions: an access JWT plus a stored, rotating refresh token.

Access tokens carry their refresh-token family, so revoking a family (reuse of a rotated token, logout)
revokes its access tokens at once: the family goes on the access-token denylist for as long as an
access token issued with it can live.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from lms_core.auth.entities import AuthSettings, RefreshToken
from lms_core.auth.errors import InvalidToken
from lms_core.auth.ports import AccessClaims, AccessTokenCodec, AccessTokenDenylist, SecretGenerator
from lms_core.auth.views import TokenPair
from lms_core.shared.ids import new_id
from lms_core.shared.ports import Transaction
from lms_core.users.entities import User


class SessionIssuer:
    def __init__(self, *, codec: AccessTokenCodec, secrets: SecretGenerator, settings: AuthSettings) -> None:
        self._codec = codec
        self._secrets = secrets
        self._settings = settings

    async def open(
        self, tx: Transaction, user: User, now: datetime, *, family_id: UUID | None = None
    ) -> tuple[TokenPair, RefreshToken]:
        """Store a new refresh token (in a new family unless one is given) and sign an access token."""
        secret = self._secrets.url_token()
        stored = RefreshToken(
            id=new_id(),
            user_id=user.id,
            token_jti=new_id().hex,
            token_hash=self._secrets.digest(secret),
            family_id=family_id or new_id(),
            expires_at=now + self._settings.refresh_token_ttl,
            created_at=now,
        )
        await tx.refresh_tokens.add(stored)
        access = self._codec.issue(
            user_id=user.id, role=user.role, token_version=user.token_version, now=now, family_id=stored.family_id
        )
        pair = TokenPair(
            access_token=access.token,
            refresh_token=f"{stored.token_jti}.{secret}",
            expires_in=int(self._settings.access_token_ttl.total_seconds()),
        )
        return pair, stored

    async def find(self, tx: Transaction, presented: str) -> RefreshToken:
        """The stored token a client presents, or `InvalidToken` (unknown, malformed or wrong secret)."""
        jti, _, secret = presented.partition(".")
        if not jti or not secret:
            raise InvalidToken("the refresh token is not valid")
        stored = await tx.refresh_tokens.get_by_jti(jti)
        if stored is None or not self._secrets.matches(stored.token_hash, secret):
            raise InvalidToken("the refresh token is not valid")
        return stored


def family_key(family_id: UUID) -> str:
    """The denylist key of a refresh-token family (distinct from any `jti`, which is bare hex)."""
    return f"family:{family_id.hex}"


class FamilyRevocation:
    """Puts revoked refresh-token families on the access-token denylist, and asks whether a token's is."""

    def __init__(self, *, denylist: AccessTokenDenylist, settings: AuthSettings) -> None:
        self._denylist = denylist
        self._settings = settings

    async def revoke(self, family_id: UUID, now: datetime) -> None:
        """Call after the family's refresh tokens are revoked and committed. An access token issued with
        the family before `now` expires before the entry does."""
        await self._denylist.add(family_key(family_id), expires_at=now + self._settings.access_token_ttl)

    async def is_revoked(self, claims: AccessClaims) -> bool:
        return claims.family_id is not None and await self._denylist.contains(family_key(claims.family_id))
