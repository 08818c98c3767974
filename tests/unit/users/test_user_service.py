from __future__ import annotations

import pytest

from lms_core import (
    Actor,
    CreateUser,
    ListUsers,
    Lms,
    NotAuthenticatedError,
    PermissionDeniedError,
    RefreshSession,
    Role,
    UpdateMyProfile,
    UpdateUser,
)
from lms_core.auth.errors import InvalidToken
from lms_core.shared.ids import new_id
from lms_core.users.errors import (
    CannotChangeOwnAccess,
    EmailAlreadyRegistered,
    ProfileMetadataTooLarge,
    UserNotFound,
)
from lms_core.users.events import UserDeactivated, UserReactivated, UserRoleChanged
from tests.support.flows import PASSWORD, actor_of, create_admin, delivered_events, register


async def test_admin_creates_reads_and_updates_users(lms: Lms) -> None:
    admin = await create_admin(lms)
    created = await lms.users.create_user(
        admin, CreateUser(email="New@Example.com", password=PASSWORD, full_name="New", role=Role.INSTRUCTOR)
    )
    assert created.email == "new@example.com" and created.role is Role.INSTRUCTOR
    assert (await lms.users.get_user(admin, created.id)).id == created.id
    updated = await lms.users.update_user(
        admin, created.id, UpdateUser(full_name="Renamed", profile_metadata={"bio": "hi"})
    )
    assert updated.full_name == "Renamed" and updated.profile_metadata == {"bio": "hi"}
    assert updated.role is Role.INSTRUCTOR  # untouched fields stay


async def test_non_admins_cannot_manage_users(lms: Lms) -> None:
    student = actor_of(await register(lms, "s@example.com"))
    teacher = actor_of(await register(lms, "t@example.com", role=Role.INSTRUCTOR))
    for actor in (student, teacher, Actor.anonymous()):
        with pytest.raises(PermissionDeniedError):
            await lms.users.list_users(actor, ListUsers())
        with pytest.raises(PermissionDeniedError):
            await lms.users.create_user(actor, CreateUser(email="x@example.com", password=PASSWORD, full_name="X"))
        with pytest.raises(PermissionDeniedError):
            await lms.users.get_user(actor, new_id())
        with pytest.raises(PermissionDeniedError):
            await lms.users.update_user(actor, new_id(), UpdateUser(role=Role.ADMIN))


async def test_nobody_changes_their_own_role_or_activation(lms: Lms) -> None:
    admin = await create_admin(lms)
    assert admin.user_id is not None
    with pytest.raises(CannotChangeOwnAccess):
        await lms.users.update_user(admin, admin.user_id, UpdateUser(role=Role.STUDENT))
    with pytest.raises(CannotChangeOwnAccess):
        await lms.users.update_user(admin, admin.user_id, UpdateUser(is_active=False))
    view = await lms.users.update_user(admin, admin.user_id, UpdateUser(full_name="Still Admin"))
    assert view.full_name == "Still Admin"


async def test_unknown_user_is_not_found(lms: Lms) -> None:
    admin = await create_admin(lms)
    with pytest.raises(UserNotFound):
        await lms.users.get_user(admin, new_id())
    with pytest.raises(UserNotFound):
        await lms.users.update_user(admin, new_id(), UpdateUser(full_name="Ghost"))


async def test_duplicate_email_on_admin_create(lms: Lms) -> None:
    admin = await create_admin(lms)
    await register(lms, "dup@example.com")
    with pytest.raises(EmailAlreadyRegistered):
        await lms.users.create_user(admin, CreateUser(email="DUP@example.com", password=PASSWORD, full_name="Dup"))


async def test_list_filters_and_paginates(lms: Lms) -> None:
    admin = await create_admin(lms)
    for i in range(5):
        await register(lms, f"student{i}@example.com", name=f"Student {i}")
    await register(lms, "teacher@example.com", role=Role.INSTRUCTOR, name="Grace Hopper")
    page = await lms.users.list_users(admin, ListUsers(role=Role.STUDENT, page=1, page_size=2))
    assert page.total == 5 and len(page.items) == 2 and page.page_size == 2
    assert page.items[0].email == "student4@example.com"  # newest first
    last = await lms.users.list_users(admin, ListUsers(role=Role.STUDENT, page=3, page_size=2))
    assert [u.email for u in last.items] == ["student0@example.com"]
    found = await lms.users.list_users(admin, ListUsers(q="hopper"))
    assert [u.email for u in found.items] == ["teacher@example.com"]
    literal = await lms.users.list_users(admin, ListUsers(q="%"))
    assert literal.total == 0
    target = page.items[0]
    await lms.users.update_user(admin, target.id, UpdateUser(is_active=False))
    inactive = await lms.users.list_users(admin, ListUsers(is_active=False))
    assert [u.id for u in inactive.items] == [target.id]


async def test_me_get_and_update(lms: Lms) -> None:
    response = await register(lms, "me@example.com", name="Me")
    actor = actor_of(response)
    view = await lms.users.update_me(
        actor, UpdateMyProfile(full_name="  Me Myself ", profile_metadata={"tz": "Africa/Cairo"})
    )
    assert view.full_name == "Me Myself"
    assert (await lms.users.get_me(actor)).profile_metadata == {"tz": "Africa/Cairo"}
    assert (await lms.auth.me(response.access_token)).full_name == "Me Myself"  # cache evicted
    with pytest.raises(NotAuthenticatedError):
        await lms.users.get_me(Actor.anonymous())


async def test_profile_metadata_size_limit_changes_nothing(lms: Lms) -> None:
    actor = actor_of(await register(lms, "big@example.com", name="Big"))
    with pytest.raises(ProfileMetadataTooLarge):
        await lms.users.update_me(actor, UpdateMyProfile(full_name="Changed", profile_metadata={"x": "y" * 20_000}))
    assert (await lms.users.get_me(actor)).full_name == "Big"


def test_views_never_carry_password_hashes() -> None:
    from lms_core import UserView

    assert not any("password" in name for name in UserView.__struct_fields__)


async def test_access_changes_are_recorded_as_events_once(lms: Lms) -> None:
    admin = await create_admin(lms)
    user = (await register(lms, "evented@example.com")).user
    await lms.outbox.drain()
    for change in (
        UpdateUser(role=Role.INSTRUCTOR),
        UpdateUser(role=Role.INSTRUCTOR),  # already so: no event
        UpdateUser(is_active=False),
        UpdateUser(is_active=False),  # already so: no event
        UpdateUser(is_active=True),
        UpdateUser(full_name="Only A Name"),  # not an access change: no event
    ):
        await lms.users.update_user(admin, user.id, change)

    assert await delivered_events(lms, UserRoleChanged, UserDeactivated, UserReactivated) == [
        UserRoleChanged(user_id=user.id, old_role="student", new_role="instructor", changed_by=admin.user_id),
        UserDeactivated(user_id=user.id, changed_by=admin.user_id),
        UserReactivated(user_id=user.id, changed_by=admin.user_id),
    ]


async def test_a_reactivated_account_finds_its_old_sessions_ended(lms: Lms) -> None:
    admin = await create_admin(lms)
    response = await register(lms, "returning@example.com")
    await lms.users.update_user(admin, response.user.id, UpdateUser(is_active=False))
    await lms.users.update_user(admin, response.user.id, UpdateUser(is_active=True))
    with pytest.raises(InvalidToken):
        await lms.auth.refresh(Actor.anonymous(), RefreshSession(refresh_token=response.refresh_token))
    with pytest.raises(InvalidToken):
        await lms.auth.me(response.access_token)
    assert (await lms.users.get_user(admin, response.user.id)).is_active
