"""Outputs of the auth module."""

from __future__ import annotations

from typing import Literal

import msgspec

from lms_core.users.views import UserView


class TokenPair(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class AuthResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A signed-in session: the user and their tokens."""

    user: UserView
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int

    @classmethod
    def signed_in(cls, user: UserView, pair: TokenPair) -> AuthResponse:
        return cls(
            user=user, access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
        )


class LoginResponse(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Either a session, or (with MFA on) `mfa_required` and the `mfa_token` to send with the emailed code."""

    mfa_required: bool
    mfa_token: str | None = None
    user: UserView | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    token_type: Literal["bearer"] | None = None
    expires_in: int | None = None

    @classmethod
    def signed_in(cls, user: UserView, pair: TokenPair) -> LoginResponse:
        """A completed sign-in (no MFA step left)."""
        return cls(
            mfa_required=False,
            user=user,
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            token_type="bearer",
            expires_in=pair.expires_in,
        )


class Acknowledgement(msgspec.Struct, frozen=True, kw_only=True):
    detail: str


class ExpiredSecretsPurged(msgspec.Struct, frozen=True, kw_only=True):
    """What `purge_expired` deleted: single-use secrets past their expiry, and refresh tokens of sessions
    that have wholly expired."""

    one_time_secrets: int
    refresh_tokens: int
