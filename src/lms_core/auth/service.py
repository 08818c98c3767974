"""The auth service: every authentication use case of the engine."""

from __future__ import annotations

from datetime import datetime

from lms_core.auth._accounts import active_user, mfa_code_email
from lms_core.auth._authenticator import RequestAuthenticator
from lms_core.auth._credentials import CredentialChecker
from lms_core.auth._limits import AuthRateLimits, SignInThrottle
from lms_core.auth._mfa import MfaManagement
from lms_core.auth._one_time import OneTimeSecrets
from lms_core.auth._registration import RegistrationUseCases
from lms_core.auth._sessions import FamilyRevocation, SessionIssuer
from lms_core.auth.commands import (
    ConfirmEmail,
    ConfirmMfa,
    DisableMfa,
    ForgotPassword,
    Login,
    Logout,
    MfaLogin,
    PasswordGrant,
    RefreshSession,
    Register,
    ResetPassword,
)
from lms_core.auth.entities import AuthSettings, SecretPurpose
from lms_core.auth.errors import (
    EmailAlreadyVerified,
    InvalidMfaCode,
    InvalidOneTimeToken,
    InvalidToken,
)
from lms_core.auth.events import PasswordChanged
from lms_core.auth.policy import (
    RegistrationRules,
    require_auth_operator,
    require_may_sign_in,
    require_own_session,
    require_password_grant_allowed,
)
from lms_core.auth.ports import AccessTokenCodec, AccessTokenDenylist, RateLimiter, SecretGenerator
from lms_core.auth.views import Acknowledgement, AuthResponse, ExpiredSecretsPurged, LoginResponse, TokenPair
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.ids import UserId
from lms_core.shared.ports import Transaction, UnitOfWork
from lms_core.users.entities import User, check_password_policy, normalize_email
from lms_core.users.ports import PasswordHasher, UserCache
from lms_core.users.service import UserService
from lms_core.users.views import UserView

FORGOT_PASSWORD_ACK = "If an account exists for that email, a reset link is on its way."


class AuthService:
    """Registration, sign-in, sessions, MFA, password reset and email verification.

    Rules:
    - self-registration may choose the roles the deployment opens to it (student and instructor by default,
      never admin);
    - in the open registration mode (the default) a new account is signed in at once and a taken address
      is refused; in the private mode every sign-up is answered alike, an e-mail goes to the address
      either way, and an account gets tokens only once its address is verified;
    - wrong password, unknown email and inactive account give the same error;
    - access tokens live 15 minutes; refresh tokens rotate on every use, and reusing a rotated one
      revokes its whole family, access tokens issued in it included; logout ends the refresh token's
      family the same way and denylists the access token presented;
    - a deactivated user, or one whose password was reset, is refused on the next request;
    - reset links live 1 hour, verification links 24 hours; both are single use and stored hashed;
    - MFA codes are 6 digits, live 10 minutes and allow 5 tries;
    - requests are rate limited per client IP, e-mails per account;
    - password checks are slowed, never locked: an address that keeps failing on an account waits a
      growing, capped delay; an address that has not failed on it gets through, unless the account has
      seen more than 50 checks from addresses new to it, when those wait the same way; an address that
      signed in to the account in the last 30 days is never slowed by other addresses' failures
      (`SignInThrottle`; docs/architecture.md, "Sign-in throttling").

    Each use case writes in one transaction. Signing in with a password first reads the account in a
    read-only transaction and checks the password outside any transaction (argon2 is slow; see
    `CredentialChecker`). A wrong MFA code commits its counted try before the error is raised. A use
    case that locks an account and one of its single-use secrets locks the account first, so that no two
    of them wait on each other.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        hasher: PasswordHasher,
        codec: AccessTokenCodec,
        secrets: SecretGenerator,
        denylist: AccessTokenDenylist,
        rate_limiter: RateLimiter,
        cache: UserCache,
        users: UserService,
        settings: AuthSettings,
        registration: RegistrationRules,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._codec = codec
        self._denylist = denylist
        self._users = users
        self._settings = settings
        self._registration_rules = registration
        self._sessions = SessionIssuer(codec=codec, secrets=secrets, settings=settings)
        self._one_time = OneTimeSecrets(clock=clock, secrets=secrets, settings=settings)
        self._limits = AuthRateLimits(limiter=rate_limiter, settings=settings)
        self._families = FamilyRevocation(denylist=denylist, settings=settings)
        self._authenticator = RequestAuthenticator(
            uow=uow, clock=clock, codec=codec, denylist=denylist, families=self._families, cache=cache
        )
        self._registration = RegistrationUseCases(
            uow=uow,
            clock=clock,
            users=users,
            sessions=self._sessions,
            one_time=self._one_time,
            limits=self._limits,
            settings=settings,
            rules=registration,
        )
        self._throttle = SignInThrottle(limiter=rate_limiter, settings=settings)
        self._credentials = CredentialChecker(
            uow=uow, hasher=hasher, secrets=secrets, limits=self._limits, throttle=self._throttle
        )
        self._mfa = MfaManagement(
            uow=uow,
            clock=clock,
            hasher=hasher,
            users=users,
            one_time=self._one_time,
            limits=self._limits,
            throttle=self._throttle,
            settings=settings,
        )

    # -- authenticating requests (the hot path) ------------------------------------------------

    async def authenticate(self, access_token: str, *, client_ip: str | None = None) -> Actor:
        """The actor behind a bearer token, or `InvalidToken`."""
        cached = await self._authenticator.verify(access_token)
        return Actor.user(UserId(cached.view.id), cached.view.role, client_ip)

    async def me(self, access_token: str) -> UserView:
        return (await self._authenticator.verify(access_token)).view

    # -- registration and sign-in ---------------------------------------------------------------

    @property
    def registration_is_private(self) -> bool:
        """Whether sign-up goes through `request_registration` (the private mode) rather than `register`."""
        return self._registration_rules.is_private

    async def register(self, actor: Actor, command: Register) -> AuthResponse:
        """Create a student or instructor account, sign it in, and send welcome and verification emails.
        The spec's flow, for the open registration mode: a taken address is `EmailAlreadyRegistered`."""
        return await self._registration.register(actor, command)

    async def request_registration(self, actor: Actor, command: Register) -> Acknowledgement:
        """Sign up without telling the caller whether the address has an account (the private mode): the
        same answer either way, an e-mail to the address either way, tokens only once it is verified."""
        return await self._registration.request_registration(actor, command)

    async def login(self, actor: Actor, command: Login) -> LoginResponse:
        """Check the password; with MFA on, email a code and answer with an `mfa_token` instead of tokens."""
        user = await self._credentials.check(actor, command.email, command.password)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            if user.mfa_enabled:
                issued = await self._one_time.issue(
                    tx, user.id, SecretPurpose.MFA_LOGIN, ttl=self._settings.mfa_code_ttl, token=True, code=True
                )
                await tx.outbox.add(mfa_code_email(user, issued.code or ""))
                await tx.commit()
                return LoginResponse(mfa_required=True, mfa_token=issued.token)
            pair = await self._sign_in(tx, user, now)
            await tx.commit()
        return LoginResponse.signed_in(UserView.of(user), pair)

    async def token(self, actor: Actor, grant: PasswordGrant) -> TokenPair:
        """The OAuth2 password grant. Accounts with MFA must use `login` and `login/mfa`."""
        user = await self._credentials.check(actor, grant.username, grant.password)
        require_password_grant_allowed(user)
        async with self._uow.begin() as tx:
            pair = await self._sign_in(tx, user, self._clock.now())
            await tx.commit()
        return pair

    async def login_mfa(self, actor: Actor, command: MfaLogin) -> LoginResponse:
        """Finish an MFA sign-in with the emailed code (5 tries, 10 minutes)."""
        await self._limits.per_ip(actor)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            secret = await self._one_time.find_by_token(tx, command.mfa_token, SecretPurpose.MFA_LOGIN)
            if secret is None:
                raise InvalidOneTimeToken("the MFA session is not valid or has expired")
            user = await tx.users.get_for_update(secret.user_id)
            wrong = await self._one_time.check_code(tx, secret, command.code)
            if wrong is not None:
                await tx.commit()  # the failed try stays counted
                raise wrong
            if not await tx.one_time_tokens.consume(secret.id, now=now):
                raise InvalidMfaCode("the code has already been used or has expired")
            if user is None or not user.is_active:
                raise InvalidOneTimeToken("the MFA session is not valid or has expired")
            pair = await self._sign_in(tx, user, now)
            await tx.commit()
        return LoginResponse.signed_in(UserView.of(user), pair)

    async def refresh(self, actor: Actor, command: RefreshSession) -> TokenPair:
        """Rotate a refresh token. A token presented after rotation revokes its whole family."""
        await self._limits.per_ip(actor)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            stored = await self._sessions.find(tx, command.refresh_token)
            if stored.revoked_at is not None:
                # Reuse of a rotated token: someone else holds a copy. End every session of the family.
                await tx.refresh_tokens.revoke_family(stored.family_id, now=now)
                await tx.commit()
                await self._families.revoke(stored.family_id, now)
                raise InvalidToken("the refresh token was already used; the session has been ended")
            if now >= stored.expires_at:
                raise InvalidToken("the refresh token has expired")
            user = await tx.users.get(stored.user_id)
            if user is None or not user.is_active:
                raise InvalidToken("the account behind this token is not active")
            pair, new = await self._sessions.open(tx, user, now, family_id=stored.family_id)
            if not await tx.refresh_tokens.mark_rotated(stored.id, replaced_by=new.id, now=now):
                # A concurrent refresh with the same token won the race; leaving without commit
                # discards the token just stored.
                raise InvalidToken("the refresh token was already used")
            await tx.commit()
        return pair

    async def logout(self, access_token: str, command: Logout) -> Acknowledgement:
        """End the session: revoke the given refresh token's family (it must belong to the caller) with
        every access token issued in it, and denylist the access token presented."""
        claims = self._codec.decode(access_token, now=self._clock.now())
        now = self._clock.now()
        if command.refresh_token is not None:
            async with self._uow.begin() as tx:
                stored = await self._sessions.find(tx, command.refresh_token)
                require_own_session(claims.user_id, stored)
                await tx.refresh_tokens.revoke_family(stored.family_id, now=now)
                await tx.commit()
            await self._families.revoke(stored.family_id, now)
        await self._denylist.add(claims.jti, expires_at=claims.expires_at)
        return Acknowledgement(detail="Signed out.")

    # -- password reset -------------------------------------------------------------------------

    async def forgot_password(self, actor: Actor, command: ForgotPassword) -> Acknowledgement:
        """Email a reset link if the account exists and is active; the answer is the same either way."""
        await self._limits.per_ip(actor)
        email = normalize_email(command.email)
        await self._limits.email("forgot", email)
        async with self._uow.begin() as tx:
            user = await tx.users.get_by_email(email)
            if user is not None and user.is_active:
                await self._one_time.send_password_reset(tx, user)
                await tx.commit()
        return Acknowledgement(detail=FORGOT_PASSWORD_ACK)

    async def reset_password(self, actor: Actor, command: ResetPassword) -> Acknowledgement:
        """Set a new password with a reset token; ends every session of the account."""
        await self._limits.per_ip(actor)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            secret = await self._one_time.find_by_token(tx, command.token, SecretPurpose.PASSWORD_RESET)
            if secret is None:
                raise InvalidOneTimeToken("the reset link is not valid or has expired")
            user = await tx.users.get_for_update(secret.user_id)
            if user is None or not user.is_active:
                raise InvalidOneTimeToken("the reset link is not valid or has expired")
            check_password_policy(command.new_password, email=user.email, full_name=user.full_name)
            if not await tx.one_time_tokens.consume(secret.id, now=now):
                raise InvalidOneTimeToken("the reset link is not valid or has expired")
            user.change_password(await self._hasher.hash(command.new_password), now)
            # Whoever could read the reset email also proved ownership of the address.
            user.mark_email_verified(now)
            await tx.users.save(user)
            await tx.refresh_tokens.revoke_all_for_user(user.id, now=now)
            await tx.outbox.add(PasswordChanged(user_id=user.id))
            self._users.evict_after_commit(tx, user.id)
            await tx.commit()
        return Acknowledgement(detail="The password has been changed. Sign in with the new password.")

    # -- email verification ---------------------------------------------------------------------

    async def request_email_verification(self, actor: Actor) -> Acknowledgement:
        user_id = actor.require_user()
        await self._limits.email("verify", str(user_id))
        async with self._uow.begin() as tx:
            user = await active_user(tx, user_id)
            if user.email_verified_at is not None:
                raise EmailAlreadyVerified("the email address is already verified")
            await self._one_time.send_verification(tx, user)
            await tx.commit()
        return Acknowledgement(detail="A verification link has been sent.")

    async def confirm_email_verification(self, actor: Actor, command: ConfirmEmail) -> UserView:
        await self._limits.per_ip(actor)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            secret = await self._one_time.find_by_token(tx, command.token, SecretPurpose.EMAIL_VERIFICATION)
            if secret is None:
                raise InvalidOneTimeToken("the verification link is not valid or has expired")
            user = await active_user(tx, secret.user_id)
            if not await tx.one_time_tokens.consume(secret.id, now=now):
                raise InvalidOneTimeToken("the verification link is not valid or has expired")
            user.mark_email_verified(now)
            await tx.users.save(user)
            self._users.evict_after_commit(tx, user.id)
            await tx.commit()
        return UserView.of(user)

    # -- MFA management -------------------------------------------------------------------------

    async def request_mfa_enable(self, actor: Actor) -> Acknowledgement:
        """E-mail a code that confirms turning MFA on."""
        return await self._mfa.request_enable(actor)

    async def confirm_mfa_enable(self, actor: Actor, command: ConfirmMfa) -> UserView:
        """Turn MFA on with the e-mailed code (5 tries, 10 minutes)."""
        return await self._mfa.confirm_enable(actor, command)

    async def disable_mfa(self, actor: Actor, command: DisableMfa) -> UserView:
        """Turning MFA off needs the current password."""
        return await self._mfa.disable(actor, command)

    # -- housekeeping ---------------------------------------------------------------------------

    async def purge_expired(self, actor: Actor) -> ExpiredSecretsPurged:
        """Delete expired single-use secrets (verification and reset links, MFA codes) and the refresh
        tokens of sessions that have wholly expired: none of them can be used any more. A scheduled job
        (`lms scheduler`); safe to run twice at once, as each row is deleted once.
        """
        require_auth_operator(actor)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            secrets = await tx.one_time_tokens.purge_expired(now=now)
            tokens = await tx.refresh_tokens.purge_expired_families(now=now)
            await tx.commit()
        return ExpiredSecretsPurged(one_time_secrets=secrets, refresh_tokens=tokens)

    # -- helpers --------------------------------------------------------------------------------

    async def _sign_in(self, tx: Transaction, user: User, now: datetime) -> TokenPair:
        require_may_sign_in(user, self._registration_rules)
        user.record_login(now)
        await tx.users.save(user)
        self._users.evict_after_commit(tx, user.id)
        pair, _ = await self._sessions.open(tx, user, now)
        return pair


class RefreshSessionRevoker:
    """The auth side of `users.ports.SessionRevoker`: revokes every refresh token of an account."""

    async def revoke_all(self, tx: Transaction, user_id: UserId, now: datetime) -> None:
        await tx.refresh_tokens.revoke_all_for_user(user_id, now=now)
