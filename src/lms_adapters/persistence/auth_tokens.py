"""Stores of refresh tokens and single-use secrets. Every state change is a conditional update."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.persistence.models import one_time_secrets, refresh_tokens
from lms_core.auth.entities import OneTimeSecret, RefreshToken, SecretPurpose
from lms_core.shared.ids import UserId


def _to_refresh(row: Row[Any]) -> RefreshToken:
    m = row._mapping
    return RefreshToken(
        id=m["id"],
        user_id=UserId(m["user_id"]),
        token_jti=m["token_jti"],
        token_hash=m["token_hash"],
        family_id=m["family_id"],
        expires_at=m["expires_at"],
        created_at=m["created_at"],
        revoked_at=m["revoked_at"],
        replaced_by_id=m["replaced_by_id"],
    )


class SqlRefreshTokenRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, token: RefreshToken) -> None:
        await self._c.execute(
            insert(refresh_tokens).values(
                id=token.id,
                user_id=token.user_id,
                token_jti=token.token_jti,
                token_hash=token.token_hash,
                family_id=token.family_id,
                expires_at=token.expires_at,
                revoked_at=token.revoked_at,
                replaced_by_id=token.replaced_by_id,
                created_at=token.created_at,
            )
        )

    async def get_by_jti(self, token_jti: str) -> RefreshToken | None:
        row = (await self._c.execute(select(refresh_tokens).where(refresh_tokens.c.token_jti == token_jti))).first()
        return _to_refresh(row) if row else None

    async def mark_rotated(self, token_id: UUID, *, replaced_by: UUID, now: datetime) -> bool:
        result = await self._c.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.id == token_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now, replaced_by_id=replaced_by)
        )
        return result.rowcount == 1

    async def revoke(self, token_id: UUID, *, now: datetime) -> None:
        await self._c.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.id == token_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_family(self, family_id: UUID, *, now: datetime) -> int:
        result = await self._c.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)

    async def revoke_all_for_user(self, user_id: UserId, *, now: datetime) -> int:
        result = await self._c.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)

    async def purge_expired_families(self, *, now: datetime) -> int:
        live = refresh_tokens.alias("live")
        result = await self._c.execute(
            delete(refresh_tokens).where(
                refresh_tokens.c.expires_at <= now,
                ~exists().where(live.c.family_id == refresh_tokens.c.family_id, live.c.expires_at > now),
            )
        )
        return int(result.rowcount)


def _to_secret(row: Row[Any]) -> OneTimeSecret:
    m = row._mapping
    return OneTimeSecret(
        id=m["id"],
        user_id=UserId(m["user_id"]),
        purpose=SecretPurpose(m["purpose"]),
        token_hash=m["token_hash"],
        code_hash=m["code_hash"],
        expires_at=m["expires_at"],
        created_at=m["created_at"],
        used_at=m["used_at"],
        attempts=m["attempts"],
    )


class SqlOneTimeTokenRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, secret: OneTimeSecret) -> None:
        await self._c.execute(
            insert(one_time_secrets).values(
                id=secret.id,
                user_id=secret.user_id,
                purpose=secret.purpose.value,
                token_hash=secret.token_hash,
                code_hash=secret.code_hash,
                expires_at=secret.expires_at,
                used_at=secret.used_at,
                attempts=secret.attempts,
                created_at=secret.created_at,
            )
        )

    async def get_by_token(self, token_hash: str, purpose: SecretPurpose) -> OneTimeSecret | None:
        row = (
            await self._c.execute(
                select(one_time_secrets).where(
                    one_time_secrets.c.token_hash == token_hash, one_time_secrets.c.purpose == purpose.value
                )
            )
        ).first()
        return _to_secret(row) if row else None

    async def latest_for_user(self, user_id: UserId, purpose: SecretPurpose) -> OneTimeSecret | None:
        row = (
            await self._c.execute(
                select(one_time_secrets)
                .where(one_time_secrets.c.user_id == user_id, one_time_secrets.c.purpose == purpose.value)
                .order_by(one_time_secrets.c.created_at.desc(), one_time_secrets.c.id.desc())
                .limit(1)
            )
        ).first()
        return _to_secret(row) if row else None

    async def consume(self, secret_id: UUID, *, now: datetime) -> bool:
        result = await self._c.execute(
            update(one_time_secrets)
            .where(
                one_time_secrets.c.id == secret_id,
                one_time_secrets.c.used_at.is_(None),
                one_time_secrets.c.expires_at > now,
            )
            .values(used_at=now)
        )
        return result.rowcount == 1

    async def claim_attempt(self, secret_id: UUID, *, now: datetime, max_attempts: int) -> int | None:
        result = await self._c.execute(
            update(one_time_secrets)
            .where(
                one_time_secrets.c.id == secret_id,
                one_time_secrets.c.used_at.is_(None),
                one_time_secrets.c.expires_at > now,
                one_time_secrets.c.attempts < max_attempts,
            )
            .values(attempts=one_time_secrets.c.attempts + 1)
            .returning(one_time_secrets.c.attempts)
        )
        row = result.first()
        return int(row[0]) if row else None

    async def retire_for_user(self, user_id: UserId, purpose: SecretPurpose, *, now: datetime) -> None:
        await self._c.execute(
            update(one_time_secrets)
            .where(
                one_time_secrets.c.user_id == user_id,
                one_time_secrets.c.purpose == purpose.value,
                one_time_secrets.c.used_at.is_(None),
                one_time_secrets.c.expires_at > now,
            )
            .values(expires_at=now)
        )

    async def purge_expired(self, *, now: datetime) -> int:
        result = await self._c.execute(delete(one_time_secrets).where(one_time_secrets.c.expires_at <= now))
        return int(result.rowcount)
