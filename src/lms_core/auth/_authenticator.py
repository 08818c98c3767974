"""Authenticating requests: the hot path every signed-in call takes."""

from __future__ import annotations

from lms_core.auth._sessions import FamilyRevocation
from lms_core.auth.errors import InvalidToken
from lms_core.auth.ports import AccessTokenCodec, AccessTokenDenylist
from lms_core.shared.clock import Clock
from lms_core.shared.ids import UserId
from lms_core.shared.ports import UnitOfWork
from lms_core.users.ports import CachedUser, UserCache
from lms_core.users.views import UserView


class RequestAuthenticator:
    """Checks a bearer token: signature and expiry, the denylist (the token and its session's family),
    and the user's current state.

    The user's state comes from a cache whose entries are evicted by every write to the user, so a
    deactivation, password reset or role change is refused on the very next request.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        codec: AccessTokenCodec,
        denylist: AccessTokenDenylist,
        families: FamilyRevocation,
        cache: UserCache,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._codec = codec
        self._denylist = denylist
        self._families = families
        self._cache = cache

    async def verify(self, access_token: str) -> CachedUser:
        claims = self._codec.decode(access_token, now=self._clock.now())
        if await self._denylist.contains(claims.jti):
            raise InvalidToken("the access token has been revoked")
        if await self._families.is_revoked(claims):
            raise InvalidToken("the session of this access token has been ended")
        cached = await self._cached_user(claims.user_id)
        if cached is None or not cached.view.is_active:
            raise InvalidToken("the account behind this token is not active")
        if claims.token_version != cached.token_version:
            raise InvalidToken("the access token was issued before the account's sessions were reset")
        if cached.view.role is not claims.role:
            raise InvalidToken("the access token carries an outdated role")
        return cached

    async def _cached_user(self, user_id: UserId) -> CachedUser | None:
        hit = self._cache.get(user_id)
        if hit is not None:
            return hit
        generation = self._cache.generation()
        async with self._uow.begin(write=False) as tx:
            user = await tx.users.get(user_id)
        if user is None:
            return None
        entry = CachedUser(view=UserView.of(user), token_version=user.token_version)
        self._cache.put(user_id, entry, generation=generation)
        return entry
