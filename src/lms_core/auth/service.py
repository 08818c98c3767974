"""The auth service: every authentication use case of the engine."""

from __future__ import annotations

from datetime import datetime, timedelta

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
from lms_core.auth.entities import AuthSettings, OneTimeSecret, SecretPurpose
from lms_core.auth.errors import (
    AccountInactive,
    EmailAlreadyVerified,
    InvalidCredentials,
    InvalidMfaCode,
    InvalidOneTimeToken,
    InvalidToken,
    MfaAlreadyEnabled,
    MfaNotEnabled,
    MfaRequired,
)
from lms_core.auth.events import PasswordChanged, UserRegistered
from lms_core.auth.ports import (
    AccessTokenCodec,
    AccessTokenDenylist,
    PasswordHasher,
    RateLimiter,
    SecretGenerator,
)
from lms_core.auth.sessions import SessionIssuer
from lms_core.auth.views import Acknowledgement, AuthResponse, LoginResponse, TokenPair
from lms_core.emails.entities import EmailTemplate
from lms_core.emails.events import EmailRequested
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.errors import RateLimitedError
from lms_core.shared.ids import UserId, new_id
from lms_core.shared.ports import Transaction, UnitOfWork
from lms_core.users.entities import User, check_password_policy, normalize_email
from lms_core.users.policy import require_self_registrable
from lms_core.users.ports import CachedUser, UserCache
from lms_core.users.service import UserService
from lms_core.users.views import UserView

FORGOT_PASSWORD_ACK = "If an account exists for that email, a reset link is on its way."


class AuthService:
    """Registration, sign-in, sessions, MFA, password reset and email verification.

    Rules:
    - self-registration may choose `student` or `instructor`, never `admin`;
    - wrong password, unknown email and inactive account give the same error;
    - access tokens live 15 minutes; refresh tokens rotate on every use, and reusing a rotated one
      revokes its whole family; logout revokes the refresh token and denylists the access token;
    - a deactivated user, or one whose password was reset, is refused on the next request;
    - reset links live 1 hour, verification links 24 hours; both are single use and stored hashed;
    - MFA codes are 6 digits, live 10 minutes and allow 5 tries;
    - requests are rate limited per client IP and per account.
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
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._codec = codec
        self._secrets = secrets
        self._denylist = denylist
        self._limiter = rate_limiter
        self._cache = cache
        self._users = users
        self._settings = settings
        self._sessions = SessionIssuer(codec=codec, secrets=secrets, settings=settings)
        self._dummy: str | None = None

    # -- authenticating requests (the hot path) ------------------------------------------------

    async def authenticate(self, access_token: str, *, client_ip: str | None = None) -> Actor:
        """The actor behind a bearer token, or `InvalidToken`."""
        cached = await self._verify(access_token)
        return Actor.user(UserId(cached.view.id), cached.view.role, client_ip)

    async def me(self, access_token: str) -> UserView:
        return (await self._verify(access_token)).view

    async def _verify(self, access_token: str) -> CachedUser:
        claims = self._codec.decode(access_token, now=self._clock.now())
        if await self._denylist.contains(claims.jti):
            raise InvalidToken("the access token has been revoked")
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

    # -- registration and sign-in ---------------------------------------------------------------

    async def register(self, actor: Actor, command: Register) -> AuthResponse:
        """Create a student or instructor account, sign it in, and send welcome and verification emails."""
        await self._limit_ip(actor)
        require_self_registrable(command.role)
        user = await self._users.new_user(
            email=command.email, password=command.password, full_name=command.full_name, role=command.role
        )
        now = self._clock.now()
        async with self._uow.begin() as tx:
            await tx.users.add(user)
            pair, _ = await self._sessions.open(tx, user, now)
            await tx.outbox.add(UserRegistered(user_id=user.id, email=user.email, role=user.role.value))
            await tx.outbox.add(
                EmailRequested(to=user.email, template=EmailTemplate.WELCOME, context={"full_name": user.full_name})
            )
            await self._send_verification(tx, user, now)
            await tx.commit()
        return _auth_response(user, pair)

    async def login(self, actor: Actor, command: Login) -> LoginResponse:
        """Check the password; with MFA on, email a code and answer with an `mfa_token` instead of tokens."""
        user = await self._check_password(actor, command.email, command.password)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            if user.mfa_enabled:
                mfa_token = await self._start_mfa_login(tx, user, now)
                await tx.commit()
                return LoginResponse(mfa_required=True, mfa_token=mfa_token)
            pair = await self._sign_in(tx, user, now)
            await tx.commit()
        return _login_response(user, pair)

    async def token(self, actor: Actor, grant: PasswordGrant) -> TokenPair:
        """The OAuth2 password grant. Accounts with MFA must use `login` and `login/mfa`."""
        user = await self._check_password(actor, grant.username, grant.password)
        if user.mfa_enabled:
            raise MfaRequired("this account uses MFA: sign in with /auth/login and /auth/login/mfa")
        async with self._uow.begin() as tx:
            pair = await self._sign_in(tx, user, self._clock.now())
            await tx.commit()
        return pair

    async def login_mfa(self, actor: Actor, command: MfaLogin) -> LoginResponse:
        """Finish an MFA sign-in with the emailed code (5 tries, 10 minutes)."""
        await self._limit_ip(actor)
        async with self._uow.begin(write=False) as tx:
            secret = await tx.one_time_tokens.get_by_token(
                self._secrets.digest(command.mfa_token), SecretPurpose.MFA_LOGIN
            )
        if secret is None:
            raise InvalidOneTimeToken("the MFA session is not valid or has expired")
        await self._check_code(secret, command.code)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            if not await tx.one_time_tokens.consume(secret.id, now=now):
                raise InvalidMfaCode("the code has already been used or has expired")
            user = await tx.users.get_for_update(secret.user_id)
            if user is None or not user.is_active:
                raise InvalidOneTimeToken("the MFA session is not valid or has expired")
            pair = await self._sign_in(tx, user, now)
            await tx.commit()
        return _login_response(user, pair)

    async def refresh(self, actor: Actor, command: RefreshSession) -> TokenPair:
        """Rotate a refresh token. A token presented after rotation revokes its whole family."""
        await self._limit_ip(actor)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            stored = await self._sessions.find(tx, command.refresh_token)
            if stored.revoked_at is not None:
                # Reuse of a rotated token: someone else holds a copy. End every session of the family.
                await tx.refresh_tokens.revoke_family(stored.family_id, now=now)
                await tx.commit()
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
        """Revoke the given refresh token (it must belong to the caller) and denylist the access token."""
        claims = self._codec.decode(access_token, now=self._clock.now())
        now = self._clock.now()
        if command.refresh_token is not None:
            async with self._uow.begin() as tx:
                stored = await self._sessions.find(tx, command.refresh_token)
                if stored.user_id != claims.user_id:
                    raise InvalidToken("the refresh token belongs to another account")
                await tx.refresh_tokens.revoke(stored.id, now=now)
                await tx.commit()
        await self._denylist.add(claims.jti, expires_at=claims.expires_at)
        return Acknowledgement(detail="Signed out.")

    # -- password reset -------------------------------------------------------------------------

    async def forgot_password(self, actor: Actor, command: ForgotPassword) -> Acknowledgement:
        """Email a reset link if the account exists and is active; the answer is the same either way."""
        await self._limit_ip(actor)
        email = normalize_email(command.email)
        await self._limit_account("forgot", email, self._settings.account_email_limit)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            user = await tx.users.get_by_email(email)
            if user is not None and user.is_active:
                token = await self._new_secret(
                    tx, user.id, SecretPurpose.PASSWORD_RESET, now, self._settings.password_reset_ttl
                )
                await tx.outbox.add(
                    EmailRequested(
                        to=user.email,
                        template=EmailTemplate.PASSWORD_RESET,
                        context={"full_name": user.full_name, "link": self._link("reset-password", token)},
                    )
                )
                await tx.commit()
        return Acknowledgement(detail=FORGOT_PASSWORD_ACK)

    async def reset_password(self, actor: Actor, command: ResetPassword) -> Acknowledgement:
        """Set a new password with a reset token; ends every session of the account."""
        await self._limit_ip(actor)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            secret = await tx.one_time_tokens.get_by_token(
                self._secrets.digest(command.token), SecretPurpose.PASSWORD_RESET
            )
            if secret is None:
                raise InvalidOneTimeToken("the reset link is not valid or has expired")
            user = await tx.users.get_for_update(secret.user_id)
            if user is None or not user.is_active:
                raise InvalidOneTimeToken("the reset link is not valid or has expired")
            check_password_policy(command.new_password, email=user.email)
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
        await self._limit_account("verify", str(user_id), self._settings.account_email_limit)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            user = await self._active_user(tx, user_id)
            if user.email_verified_at is not None:
                raise EmailAlreadyVerified("the email address is already verified")
            await self._send_verification(tx, user, now)
            await tx.commit()
        return Acknowledgement(detail="A verification link has been sent.")

    async def confirm_email_verification(self, actor: Actor, command: ConfirmEmail) -> UserView:
        await self._limit_ip(actor)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            secret = await tx.one_time_tokens.get_by_token(
                self._secrets.digest(command.token), SecretPurpose.EMAIL_VERIFICATION
            )
            if secret is None or not await tx.one_time_tokens.consume(secret.id, now=now):
                raise InvalidOneTimeToken("the verification link is not valid or has expired")
            user = await self._active_user(tx, secret.user_id)
            user.mark_email_verified(now)
            await tx.users.save(user)
            self._users.evict_after_commit(tx, user.id)
            await tx.commit()
        return UserView.of(user)

    # -- MFA management -------------------------------------------------------------------------

    async def request_mfa_enable(self, actor: Actor) -> Acknowledgement:
        user_id = actor.require_user()
        await self._limit_account("mfa", str(user_id), self._settings.account_email_limit)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            user = await self._active_user(tx, user_id)
            if user.mfa_enabled:
                raise MfaAlreadyEnabled("MFA is already enabled")
            code = await self._new_code(tx, user, SecretPurpose.MFA_ENABLE, now)
            await tx.outbox.add(_mfa_email(user, code))
            await tx.commit()
        return Acknowledgement(detail="A confirmation code has been sent to your email.")

    async def confirm_mfa_enable(self, actor: Actor, command: ConfirmMfa) -> UserView:
        user_id = actor.require_user()
        async with self._uow.begin(write=False) as tx:
            secret = await tx.one_time_tokens.latest_for_user(user_id, SecretPurpose.MFA_ENABLE)
        if secret is None:
            raise InvalidMfaCode("request a confirmation code first")
        await self._check_code(secret, command.code)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            if not await tx.one_time_tokens.consume(secret.id, now=now):
                raise InvalidMfaCode("the code has already been used or has expired")
            user = await self._active_user(tx, user_id)
            if user.mfa_enabled:
                raise MfaAlreadyEnabled("MFA is already enabled")
            user.set_mfa(True, now)
            await tx.users.save(user)
            self._users.evict_after_commit(tx, user_id)
            await tx.commit()
        return UserView.of(user)

    async def disable_mfa(self, actor: Actor, command: DisableMfa) -> UserView:
        """Turning MFA off needs the current password."""
        user_id = actor.require_user()
        await self._limit_account("login", str(user_id), self._settings.account_login_limit)
        now = self._clock.now()
        async with self._uow.begin() as tx:
            user = await self._active_user(tx, user_id)
            if not user.mfa_enabled:
                raise MfaNotEnabled("MFA is not enabled")
            if not await self._hasher.verify(user.password_hash, command.password):
                raise InvalidCredentials("the password is not correct")
            user.set_mfa(False, now)
            await tx.users.save(user)
            self._users.evict_after_commit(tx, user_id)
            await tx.commit()
        return UserView.of(user)

    # -- helpers --------------------------------------------------------------------------------

    async def _check_password(self, actor: Actor, email: str, password: str) -> User:
        await self._limit_ip(actor)
        normalized = normalize_email(email)
        await self._limit_account("login", normalized, self._settings.account_login_limit)
        async with self._uow.begin(write=False) as tx:
            user = await tx.users.get_by_email(normalized)
        if user is None:
            # Spend the same time as a real check so response times do not reveal unknown emails.
            await self._hasher.verify(await self._dummy_hash(), password)
            raise InvalidCredentials("the email or password is not correct")
        if not await self._hasher.verify(user.password_hash, password):
            raise InvalidCredentials("the email or password is not correct")
        if not user.is_active:
            raise AccountInactive("the email or password is not correct")
        if self._hasher.needs_rehash(user.password_hash):
            user.rehash_password(await self._hasher.hash(password))
        return user

    async def _sign_in(self, tx: Transaction, user: User, now: datetime) -> TokenPair:
        user.record_login(now)
        await tx.users.save(user)
        self._users.evict_after_commit(tx, user.id)
        pair, _ = await self._sessions.open(tx, user, now)
        return pair

    async def _start_mfa_login(self, tx: Transaction, user: User, now: datetime) -> str:
        await tx.one_time_tokens.retire_for_user(user.id, SecretPurpose.MFA_LOGIN, now=now)
        token = self._secrets.url_token()
        code = self._secrets.numeric_code(6)
        await tx.one_time_tokens.add(
            OneTimeSecret(
                id=new_id(),
                user_id=user.id,
                purpose=SecretPurpose.MFA_LOGIN,
                token_hash=self._secrets.digest(token),
                code_hash=self._secrets.digest(code),
                expires_at=now + self._settings.mfa_code_ttl,
                created_at=now,
            )
        )
        await tx.outbox.add(_mfa_email(user, code))
        return token

    async def _check_code(self, secret: OneTimeSecret, code: str) -> None:
        """Compare a presented code, counting the try first (in its own transaction) so that no
        number of parallel guesses gets past the limit."""
        limit = self._settings.mfa_max_attempts
        async with self._uow.begin() as tx:
            tries = await tx.one_time_tokens.claim_attempt(secret.id, now=self._clock.now(), max_attempts=limit)
            await tx.commit()
        if tries is None:
            raise InvalidMfaCode("the code has expired or too many wrong codes were tried; request a new one")
        if secret.code_hash is None or not self._secrets.matches(secret.code_hash, code):
            left = limit - tries
            raise InvalidMfaCode(
                "the code is not correct" + (f"; {left} tries left" if left else "; request a new code"),
                details={"tries_left": left},
            )

    async def _new_code(self, tx: Transaction, user: User, purpose: SecretPurpose, now: datetime) -> str:
        await tx.one_time_tokens.retire_for_user(user.id, purpose, now=now)
        code = self._secrets.numeric_code(6)
        await tx.one_time_tokens.add(
            OneTimeSecret(
                id=new_id(),
                user_id=user.id,
                purpose=purpose,
                token_hash=None,
                code_hash=self._secrets.digest(code),
                expires_at=now + self._settings.mfa_code_ttl,
                created_at=now,
            )
        )
        return code

    async def _new_secret(
        self, tx: Transaction, user_id: UserId, purpose: SecretPurpose, now: datetime, ttl: timedelta
    ) -> str:
        """A fresh single-use link token; older unused ones of the same purpose stop working."""
        await tx.one_time_tokens.retire_for_user(user_id, purpose, now=now)
        token = self._secrets.url_token()
        await tx.one_time_tokens.add(
            OneTimeSecret(
                id=new_id(),
                user_id=user_id,
                purpose=purpose,
                token_hash=self._secrets.digest(token),
                code_hash=None,
                expires_at=now + ttl,
                created_at=now,
            )
        )
        return token

    async def _send_verification(self, tx: Transaction, user: User, now: datetime) -> None:
        token = await self._new_secret(
            tx, user.id, SecretPurpose.EMAIL_VERIFICATION, now, self._settings.email_verification_ttl
        )
        await tx.outbox.add(
            EmailRequested(
                to=user.email,
                template=EmailTemplate.EMAIL_VERIFICATION,
                context={"full_name": user.full_name, "link": self._link("verify-email", token)},
            )
        )

    def _link(self, path: str, token: str) -> str:
        return f"{self._settings.public_base_url.rstrip('/')}/{path}?token={token}"

    async def _active_user(self, tx: Transaction, user_id: UserId) -> User:
        user = await tx.users.get_for_update(user_id)
        if user is None or not user.is_active:
            raise InvalidToken("the account is not active")
        return user

    async def _limit_ip(self, actor: Actor) -> None:
        if actor.client_ip:
            await self._limit("ip", actor.client_ip, self._settings.ip_limit)

    async def _limit_account(self, kind: str, key: str, limit: tuple[int, int]) -> None:
        await self._limit(kind, key, limit)

    async def _limit(self, kind: str, key: str, limit: tuple[int, int]) -> None:
        count, window = limit
        retry_after = await self._limiter.hit(f"auth:{kind}:{key}", limit=count, window_seconds=window)
        if retry_after is not None:
            raise RateLimitedError(
                "too many attempts; try again later", retry_after_seconds=retry_after, code="auth.rate_limited"
            )

    async def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await self._hasher.hash(self._secrets.url_token())
        return self._dummy


def _mfa_email(user: User, code: str) -> EmailRequested:
    return EmailRequested(
        to=user.email, template=EmailTemplate.MFA_CODE, context={"full_name": user.full_name, "code": code}
    )


def _auth_response(user: User, pair: TokenPair) -> AuthResponse:
    return AuthResponse(
        user=UserView.of(user),
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
    )


def _login_response(user: User, pair: TokenPair) -> LoginResponse:
    return LoginResponse(
        mfa_required=False,
        user=UserView.of(user),
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        token_type="bearer",
        expires_in=pair.expires_in,
    )
