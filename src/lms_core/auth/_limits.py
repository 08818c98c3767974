"""Rate limits of the auth use cases: requests per client address, e-mails per account, and the growing
delays that keep password guessing out without letting anyone lock an account."""

from __future__ import annotations

from lms_core.auth.entities import AuthSettings
from lms_core.auth.ports import Backoff, RateLimiter
from lms_core.shared.actor import Actor
from lms_core.shared.errors import RateLimitedError

# The bucket of password checks that come without a client address (library and CLI callers).
NO_ADDRESS = "-"


def _too_many(retry_after: int) -> RateLimitedError:
    return RateLimitedError(
        "too many attempts; try again later", retry_after_seconds=retry_after, code="auth.rate_limited"
    )


class AuthRateLimits:
    def __init__(self, *, limiter: RateLimiter, settings: AuthSettings) -> None:
        self._limiter = limiter
        self._settings = settings

    async def per_ip(self, actor: Actor) -> None:
        """Requests from one client address, across the auth endpoints that take secrets or send mail."""
        if actor.client_ip:
            await self._hit("ip", actor.client_ip, self._settings.ip_limit)

    async def email(self, kind: str, account: str) -> None:
        """E-mails of one kind sent to one account."""
        await self._hit(kind, account, self._settings.account_email_limit)

    async def _hit(self, kind: str, key: str, limit: tuple[int, int]) -> None:
        count, window = limit
        retry_after = await self._limiter.hit(f"auth:{kind}:{key}", limit=count, window_seconds=window)
        if retry_after is not None:
            raise _too_many(retry_after)


class SignInThrottle:
    """Growing delays on password checks, counted per (account, address) and per account; never a lockout.

    Every password check is counted before the password is compared (so parallel guesses are counted
    too), and a correct password clears its address's count. An address gets `sign_in_free_per_address`
    checks on one account at once; after that each further check must wait `base * 2**n` seconds (capped
    at `sign_in_max_delay_seconds`) after the previous one. The account itself counts the checks from
    every address that has not signed in to it recently; past `sign_in_free_per_account` of them, those
    addresses wait the same way. An address that signed in to the account within
    `sign_in_known_address_seconds` is never slowed by the account's count, only by its own failures, so
    an attack from many addresses cannot keep the owner out. Counts are forgotten
    `sign_in_forget_after_seconds` after their last check. A check that must wait is answered 429
    `auth.rate_limited` with `Retry-After`, and is not counted.
    """

    def __init__(self, *, limiter: RateLimiter, settings: AuthSettings) -> None:
        self._limiter = limiter
        self._settings = settings

    async def admit(self, actor: Actor, account: str) -> SignInAttempt:
        """Count one password check on `account` from the actor's address, or `RateLimitedError`."""
        address = actor.client_ip or NO_ADDRESS
        # The address never holds "|", so the key cannot be forged from the free-text account part.
        pair = f"{address}|{account}"
        backoffs = [self._backoff(f"auth:signin:{pair}", self._settings.sign_in_free_per_address)]
        if not await self._limiter.remembers(f"auth:known:{pair}"):
            backoffs.append(self._backoff(f"auth:signin:{account}", self._settings.sign_in_free_per_account))
        retry_after = await self._limiter.attempt(backoffs)
        if retry_after is not None:
            raise _too_many(retry_after)
        return SignInAttempt(limiter=self._limiter, settings=self._settings, pair=pair)

    def _backoff(self, key: str, free: int) -> Backoff:
        settings = self._settings
        return Backoff(
            key=key,
            free=free,
            base_seconds=settings.sign_in_base_delay_seconds,
            max_seconds=settings.sign_in_max_delay_seconds,
            forget_after_seconds=settings.sign_in_forget_after_seconds,
        )


class SignInAttempt:
    """An admitted password check; a failed one needs nothing more (it was counted on admission)."""

    def __init__(self, *, limiter: RateLimiter, settings: AuthSettings, pair: str) -> None:
        self._limiter = limiter
        self._settings = settings
        self._pair = pair

    async def succeeded(self) -> None:
        """The password was right: clear this address's count and remember it as the account's own."""
        await self._limiter.forget(f"auth:signin:{self._pair}")
        await self._limiter.remember(f"auth:known:{self._pair}", seconds=self._settings.sign_in_known_address_seconds)
