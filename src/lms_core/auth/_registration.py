"""Self-registration: the spec's open flow and the private one that reveals nothing about an address."""

from __future__ import annotations

from lms_core.auth._limits import AuthRateLimits
from lms_core.auth._one_time import OneTimeSecrets
from lms_core.auth._sessions import SessionIssuer
from lms_core.auth.commands import Register
from lms_core.auth.entities import AuthSettings
from lms_core.auth.events import UserRegistered
from lms_core.auth.policy import RegistrationRules, require_open_registration, require_self_registrable
from lms_core.auth.views import Acknowledgement, AuthResponse
from lms_core.emails.entities import EmailTemplate
from lms_core.emails.events import EmailRequested
from lms_core.shared.actor import Actor
from lms_core.shared.clock import Clock
from lms_core.shared.ports import Transaction, UnitOfWork
from lms_core.users.entities import User, normalize_email
from lms_core.users.errors import EmailAlreadyRegistered
from lms_core.users.service import UserService
from lms_core.users.views import UserView

REGISTRATION_ACK = "Check your e-mail: we sent a message to that address to finish signing up."


class RegistrationUseCases:
    """Sign-up in the deployment's registration mode (see `auth.policy.RegistrationMode`)."""

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        users: UserService,
        sessions: SessionIssuer,
        one_time: OneTimeSecrets,
        limits: AuthRateLimits,
        settings: AuthSettings,
        rules: RegistrationRules,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._users = users
        self._sessions = sessions
        self._one_time = one_time
        self._limits = limits
        self._settings = settings
        self._rules = rules

    async def register(self, actor: Actor, command: Register) -> AuthResponse:
        await self._limits.per_ip(actor)
        require_open_registration(self._rules)
        require_self_registrable(command.role, self._rules)
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
            await self._one_time.send_verification(tx, user)
            await tx.commit()
        return AuthResponse.signed_in(UserView.of(user), pair)

    async def request_registration(self, actor: Actor, command: Register) -> Acknowledgement:
        """The answer is the same either way, and the address gets an e-mail either way: a verification
        link for a new account (or a fresh one for an account still unverified), and for a verified account
        a note that someone tried to register with it. No tokens: the account signs in once verified."""
        await self._limits.per_ip(actor)
        require_self_registrable(command.role, self._rules)
        await self._limits.email("register", normalize_email(command.email))
        # Built (password checked and hashed) before the address is looked up, so that both answers take
        # the same time.
        user = await self._users.new_user(
            email=command.email, password=command.password, full_name=command.full_name, role=command.role
        )
        try:
            async with self._uow.begin() as tx:
                existing = await tx.users.get_by_email(user.email)
                if existing is None:
                    await tx.users.add(user)
                    await tx.outbox.add(UserRegistered(user_id=user.id, email=user.email, role=user.role.value))
                    await self._one_time.send_verification(tx, user)
                else:
                    await self._answer_taken_address(tx, existing)
                await tx.commit()
        except EmailAlreadyRegistered:
            # A concurrent sign-up took the address between the look-up and the insert.
            async with self._uow.begin() as tx:
                existing = await tx.users.get_by_email(user.email)
                if existing is not None:
                    await self._answer_taken_address(tx, existing)
                await tx.commit()
        return Acknowledgement(detail=REGISTRATION_ACK)

    async def _answer_taken_address(self, tx: Transaction, user: User) -> None:
        """The e-mail a sign-up with a taken address sends to it: a fresh verification link while the account
        is unverified (the owner may have lost the first), otherwise a note to sign in or reset the password.
        A deactivated account gets nothing."""
        if not user.is_active:
            return
        if user.email_verified_at is None:
            await self._one_time.send_verification(tx, user)
            return
        base = self._settings.public_base_url.rstrip("/")
        await tx.outbox.add(
            EmailRequested(
                to=user.email,
                template=EmailTemplate.REGISTRATION_ATTEMPT,
                context={
                    "full_name": user.full_name,
                    "sign_in_link": f"{base}/login",
                    "reset_link": f"{base}/forgot-password",
                },
            )
        )
