"""`/api/v1/users`: spec section 2."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from lms_core import Actor, CreateUser, ListUsers, Lms, Page, Role, UpdateMyProfile, UpdateUser, UserView
from lms_core.shared.pagination import DEFAULT_PAGE_SIZE
from lms_http.auth import SIGNED_IN, provide_actor
from lms_http.errors import problems
from lms_http.paging import PageQuery, PageSizeQuery, UserPage


class UsersController(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    dependencies = {"actor": Provide(provide_actor)}
    security = SIGNED_IN

    @get("/", responses=problems(401, 403, 422))
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
        """All accounts (admin), newest first, filtered by role, activation and a search string."""
        query = ListUsers(role=role, is_active=is_active, q=q, page=page, page_size=page_size)
        return await lms.users.list_users(actor, query)

    @post("/", status_code=201, responses=problems(401, 403, 409, 422))
    async def create_user(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[CreateUser]
    ) -> UserView:
        """Create an account with any role (admin)."""
        return await lms.users.create_user(actor, data)

    @get("/me", responses=problems(401))
    async def get_me(self, lms: NamedDependency[Lms], actor: NamedDependency[Actor]) -> UserView:
        """My profile."""
        return await lms.users.get_me(actor)

    @patch("/me", responses=problems(401, 422))
    async def update_me(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[UpdateMyProfile]
    ) -> UserView:
        """Change my name or profile metadata (not my role or activation)."""
        return await lms.users.update_me(actor, data)

    @get("/{user_id:uuid}", responses=problems(401, 403, 404))
    async def get_user(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], user_id: FromPath[UUID]
    ) -> UserView:
        """One account (admin)."""
        return await lms.users.get_user(actor, user_id)

    @patch("/{user_id:uuid}", responses=problems(401, 403, 404, 422))
    async def update_user(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        user_id: FromPath[UUID],
        data: JSONBody[UpdateUser],
    ) -> UserView:
        """Change an account's name, role, activation or profile (admin; never your own role or activation)."""
        return await lms.users.update_user(actor, user_id, data)
