"""The users service: profiles and admin management of accounts."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID

import msgspec

from lms_core.shared.actor import Actor, Role
from lms_core.shared.clock import Clock
from lms_core.shared.events import DomainEvent
from lms_core.shared.ids import UserId, new_user_id
from lms_core.shared.pagination import Page
from lms_core.shared.ports import Transaction, UnitOfWork
from lms_core.users.commands import ChangeEmailPreferences, CreateUser, ListUsers, UpdateMyProfile, UpdateUser
from lms_core.users.entities import (
    EmailPreferences,
    User,
    check_password_policy,
    check_profile_metadata,
    normalize_email,
)
from lms_core.users.errors import user_not_found
from lms_core.users.events import UserDeactivated, UserReactivated, UserRoleChanged
from lms_core.users.policy import require_not_own_access_change, require_user_admin
from lms_core.users.ports import PasswordHasher, SessionRevoker, UserCache
from lms_core.users.views import UserView


class UserService:
    """Accounts and profiles.

    Rules:
    - only admins (or the system) list, create, read and update other accounts;
    - nobody changes their own role or activation;
    - emails are unique case-insensitively and stored lower-cased;
    - passwords follow the policy (10+ characters, not the email) and are stored as argon2id hashes;
    - `profile_metadata` is a JSON object of at most 16 KiB;
    - users switch their own optional e-mails (weekly progress, reminders) on and off in their profile;
    - deactivating a user or changing their role cuts their live access tokens at once; deactivating
      also ends their sessions (refresh tokens), in the same transaction;
    - role changes, deactivations and reactivations are recorded as events (`users.*`).

    `new_user` and `evict_after_commit` are not use cases: they are how auth, which registers and signs
    in accounts, shares the users module's rules for building an account and for keeping the cache exact.
    """

    def __init__(
        self, *, uow: UnitOfWork, clock: Clock, hasher: PasswordHasher, cache: UserCache, sessions: SessionRevoker
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._cache = cache
        self._sessions = sessions

    async def new_user(
        self,
        *,
        email: str,
        password: str,
        full_name: str,
        role: Role,
        is_active: bool = True,
        profile_metadata: dict[str, Any] | None = None,
    ) -> User:
        """Build a valid, not yet stored account (password checked and hashed)."""
        check_password_policy(password, email=email, full_name=full_name)
        check_profile_metadata(profile_metadata)
        now = self._clock.now()
        return User(
            id=new_user_id(),
            email=normalize_email(email),
            password_hash=await self._hasher.hash(password),
            full_name=full_name.strip(),
            role=role,
            is_active=is_active,
            profile_metadata=profile_metadata,
            created_at=now,
            updated_at=now,
        )

    async def create_user(self, actor: Actor, command: CreateUser) -> UserView:
        """An admin creates an account with any role."""
        require_user_admin(actor)
        user = await self.new_user(
            email=command.email,
            password=command.password,
            full_name=command.full_name,
            role=command.role,
            is_active=command.is_active,
            profile_metadata=command.profile_metadata,
        )
        async with self._uow.begin() as tx:
            await tx.users.add(user)
            await tx.commit()
        return UserView.of(user)

    async def get_user(self, actor: Actor, user_id: UUID) -> UserView:
        require_user_admin(actor)
        async with self._uow.begin(write=False) as tx:
            return UserView.of(await _load(tx, UserId(user_id)))

    async def list_users(self, actor: Actor, query: ListUsers) -> Page[UserView]:
        """Admin list, filtered by role, activation and an email/name search, newest first."""
        require_user_admin(actor)
        async with self._uow.begin(write=False) as tx:
            users, total = await tx.users.list(query)
        return query.page_of([UserView.of(u) for u in users], total)

    async def update_user(self, actor: Actor, user_id: UUID, command: UpdateUser) -> UserView:
        require_user_admin(actor)
        target = UserId(user_id)
        changes_access = command.role is not msgspec.UNSET or command.is_active is not msgspec.UNSET
        require_not_own_access_change(actor, target, changes_access=changes_access)
        async with self._uow.begin() as tx:
            user = await _load(tx, target, for_update=True)
            now = self._clock.now()
            events: list[DomainEvent] = []
            if command.full_name is not msgspec.UNSET:
                user.rename(command.full_name.strip(), now)
            if command.role is not msgspec.UNSET:
                old_role = user.role
                if user.change_role(command.role, now):
                    events.append(
                        UserRoleChanged(
                            user_id=target, old_role=old_role.value, new_role=user.role.value, changed_by=actor.user_id
                        )
                    )
            if command.is_active is True and user.reactivate(now):
                events.append(UserReactivated(user_id=target, changed_by=actor.user_id))
            if command.is_active is False:
                if user.deactivate(now):
                    events.append(UserDeactivated(user_id=target, changed_by=actor.user_id))
                # Also for an account already inactive: whatever session it still has must not survive.
                await self._sessions.revoke_all(tx, target, now)
            if command.profile_metadata is not msgspec.UNSET:
                user.set_profile_metadata(command.profile_metadata, now)
            await tx.users.save(user)
            if events:
                await tx.outbox.add_all(events)
            self.evict_after_commit(tx, target)
            await tx.commit()
        return UserView.of(user)

    async def get_me(self, actor: Actor) -> UserView:
        async with self._uow.begin(write=False) as tx:
            return UserView.of(await _load(tx, actor.require_user()))

    async def update_me(self, actor: Actor, command: UpdateMyProfile) -> UserView:
        me = actor.require_user()
        async with self._uow.begin() as tx:
            user = await _load(tx, me, for_update=True)
            now = self._clock.now()
            if command.full_name is not msgspec.UNSET:
                user.rename(command.full_name.strip(), now)
            if command.profile_metadata is not msgspec.UNSET:
                user.set_profile_metadata(command.profile_metadata, now)
            if command.email_preferences is not msgspec.UNSET:
                user.set_email_preferences(_changed_preferences(user.email_preferences, command.email_preferences), now)
            await tx.users.save(user)
            self.evict_after_commit(tx, me)
            await tx.commit()
        return UserView.of(user)

    def evict_after_commit(self, tx: Transaction, user_id: UserId) -> None:
        """Drop the cached copy once the change is visible to other readers."""

        async def evict() -> None:
            await self._cache.evict(user_id)

        tx.after_commit(evict)


async def _load(tx: Transaction, user_id: UserId, *, for_update: bool = False) -> User:
    user = await (tx.users.get_for_update(user_id) if for_update else tx.users.get(user_id))
    if user is None:
        raise user_not_found(user_id)
    return user


def _changed_preferences(current: EmailPreferences, change: ChangeEmailPreferences) -> EmailPreferences:
    fields = {name: getattr(change, name) for name in change.__struct_fields__}
    return dataclasses.replace(current, **{name: value for name, value in fields.items() if value is not msgspec.UNSET})
