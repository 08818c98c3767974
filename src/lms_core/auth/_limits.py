"""Rate limits of the auth use cases: per client IP and per account."""

from __future__ import annotations

from lms_core.auth.entities import AuthSettings
from lms_core.auth.ports import RateLimiter
from lms_core.shared.actor import Actor
from lms_core.shared.errors import RateLimitedError


class AuthRateLimits:
    def __init__(self, *, limiter: RateLimiter, settings: AuthSettings) -> None:
        self._limiter = limiter
        self._settings = settings

    async def per_ip(self, actor: Actor) -> None:
        """Requests from one client address, across the auth endpoints that take secrets or send mail."""
        if actor.client_ip:
            await self._hit("ip", actor.client_ip, self._settings.ip_limit)

    async def sign_in(self, account: str) -> None:
        """Password checks for one account, whoever sends them."""
        await self._hit("login", account, self._settings.account_login_limit)

    async def email(self, kind: str, account: str) -> None:
        """E-mails of one kind sent to one account."""
        await self._hit(kind, account, self._settings.account_email_limit)

    async def _hit(self, kind: str, key: str, limit: tuple[int, int]) -> None:
        count, window = limit
        retry_after = await self._limiter.hit(f"auth:{kind}:{key}", limit=count, window_seconds=window)
        if retry_after is not None:
            raise RateLimitedError(
                "too many attempts; try again later", retry_after_seconds=retry_after, code="auth.rate_limited"
            )
