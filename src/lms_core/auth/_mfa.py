"""Turning MFA on (with an e-mailed code) and off (with the password), for `AuthService`."""

from __future__ import annotations

from lms_core.auth._accounts import active_user, mfa_code_email
from lms_core.auth._limits import AuthRateLimits, SignInThrottle
from lms_core.auth._one_time import OneTimeSecrets
from lms_core.auth.commands import ConfirmMfa, DisableMfa
from lms_core.auth.entities import AuthSettings, SecretPurpose
from lms_core.auth.errors import InvalidCredentials, InvalidMfaCode, MfaAlreadyEnabled, MfaNotEnabled
from lms_core.auth.views import Acknowledgement
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.ports import UnitOfWork
from lms_core.users.ports import PasswordHasher
from lms_core.users.service import UserService
from lms_core.users.views import UserView


class MfaManagement:
    """MFA use cases: a code by e-mail confirms turning it on; the password turns it off (throttled like a
    sign-in). Each runs in one transaction; a wrong code stays counted."""

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        hasher: PasswordHasher,
        users: UserService,
        one_time: OneTimeSecrets,
        limits: AuthRateLimits,
        throttle: SignInThrottle,
        settings: AuthSettings,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._users = users
        self._one_time = one_time
        self._limits = limits
        self._throttle = throttle
        self._settings = settings

    async def request_enable(self, actor: Actor) -> Acknowledgement:
        user_id = actor.require_user()
        await self._limits.email("mfa", str(user_id))
        async with self._uow.begin() as tx:
            user = await active_user(tx, user_id)
            if user.mfa_enabled:
                raise MfaAlreadyEnabled("MFA is already enabled")
            issued = await self._one_time.issue(
                tx, user.id, SecretPurpose.MFA_ENABLE, ttl=self._settings.mfa_code_ttl, token=False, code=True
            )
            await tx.outbox.add(mfa_code_email(user, issued.code or ""))
            await tx.commit()
        return Acknowledgement(detail="A confirmation code has been sent to your email.")

    async def confirm_enable(self, actor: Actor, command: ConfirmMfa) -> UserView:
        user_id = actor.require_user()
        now = self._clock.now()
        async with self._uow.begin() as tx:
            user = await active_user(tx, user_id)
            secret = await tx.one_time_tokens.latest_for_user(user_id, SecretPurpose.MFA_ENABLE)
            if secret is None:
                raise InvalidMfaCode("request a confirmation code first")
            wrong = await self._one_time.check_code(tx, secret, command.code)
            if wrong is not None:
                await tx.commit()  # the failed try stays counted
                raise wrong
            if not await tx.one_time_tokens.consume(secret.id, now=now):
                raise InvalidMfaCode("the code has already been used or has expired")
            if user.mfa_enabled:
                raise MfaAlreadyEnabled("MFA is already enabled")
            user.enable_mfa(now)
            await tx.users.save(user)
            self._users.evict_after_commit(tx, user_id)
            await tx.commit()
        return UserView.of(user)

    async def disable(self, actor: Actor, command: DisableMfa) -> UserView:
        """Turning MFA off needs the current password."""
        user_id = actor.require_user()
        attempt = await self._throttle.admit(actor, f"user:{user_id}")
        now = self._clock.now()
        async with self._uow.begin() as tx:
            user = await active_user(tx, user_id)
            if not user.mfa_enabled:
                raise MfaNotEnabled("MFA is not enabled")
            if not await self._hasher.verify(user.password_hash, command.password):
                raise InvalidCredentials("the password is not correct")
            user.disable_mfa(now)
            await tx.users.save(user)
            self._users.evict_after_commit(tx, user_id)
            await tx.commit()
        await attempt.succeeded()
        return UserView.of(user)
