"""`/api/v1/users`: spec section 2."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from lms_core import Actor, CreateUser, ListUsers, Lms, Role, UpdateMyProfile, UpdateUser, UserView
from lms_core.shared.pagination import DEFAULT_PAGE_SIZE
from lms_http.auth import SIGNED_IN, provide_actor
from lms_http.errors import problems
from lms_http.paging import PageQuery, PageSizeQuery, UserPage


class UsersController(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    dependencies = {"actor": Provide(provide_actor)}
    security = SIGNED_IN

    @get("/", summary="List accounts", responses=problems(401, 403, 422))
    async def list_users(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        role: FromQuery[Role | None] = None,
        is_active: FromQuery[bool | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=255, description="search in email and full name")] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> UserPage:
        """Admins list every account, newest first, filtered by role, activation and a search in e-mail and
        name. Changes nothing.

        Errors: 401 without a valid access token; 403 `users.admin_only` for anyone but an admin; 422 a query
        parameter out of range."""
        query = ListUsers(role=role, is_active=is_active, q=q, page=page, page_size=page_size)
        return await lms.users.list_users(actor, query)

    @post("/", status_code=201, summary="Create an account with any role", responses=problems(401, 403, 409, 422))
    async def create_user(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[CreateUser]
    ) -> UserView:
        """Admins create an account with any role, active or not; the address counts as verified.

        Errors: 401 without a valid access token; 403 `users.admin_only` for anyone but an admin; 409
        `users.email_taken` for an address already registered; 422 `users.weak_password` for a password the
        policy refuses, or a body that does not match `CreateUser`."""
        return await lms.users.create_user(actor, data)

    @get("/me", summary="My profile", responses=problems(401))
    async def get_me(self, lms: NamedDependency[Lms], actor: NamedDependency[Actor]) -> UserView:
        """Any signed-in user reads their own account. Changes nothing.

        Errors: 401 without a valid access token."""
        return await lms.users.get_me(actor)

    @patch("/me", summary="Change my profile", responses=problems(401, 422))
    async def update_me(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[UpdateMyProfile]
    ) -> UserView:
        """Any signed-in user changes their own name or profile metadata; role and activation are not theirs
        to change. Absent fields stay as they are.

        Errors: 401 without a valid access token; 422 `users.profile_metadata_too_large` for metadata over
        16 KiB, or a body that does not match `UpdateMyProfile`."""
        return await lms.users.update_me(actor, data)

    @get("/{user_id:uuid}", summary="One account", responses=problems(401, 403, 404))
    async def get_user(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], user_id: FromPath[UUID]
    ) -> UserView:
        """Admins read any account. Changes nothing.

        Errors: 401 without a valid access token; 403 `users.admin_only` for anyone but an admin; 404
        `users.not_found` for an unknown id."""
        return await lms.users.get_user(actor, user_id)

    @patch("/{user_id:uuid}", summary="Change an account", responses=problems(401, 403, 404, 422))
    async def update_user(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        user_id: FromPath[UUID],
        data: JSONBody[UpdateUser],
    ) -> UserView:
        """Admins change an account's name, role, activation or profile metadata; deactivating an account ends
        its sessions. Absent fields stay as they are.

        Errors: 401 without a valid access token; 403 `users.admin_only` for anyone but an admin, or
        `users.cannot_change_own_access` for an admin changing their own role or activation; 404
        `users.not_found`; 422 metadata over 16 KiB or a body that does not match `UpdateUser`."""
        return await lms.users.update_user(actor, user_id, data)
