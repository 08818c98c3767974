"""`lms users`: account administration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lms_cli.output import emit, run_on_engine
from lms_core import Actor, CreateUser, Role

if TYPE_CHECKING:
    from lms_core import Lms, UserView


@click.group("users")
def users() -> None:
    """User accounts."""


@users.command("create-admin")
@click.option("--email", required=True)
@click.option("--full-name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted if omitted.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def create_admin(email: str, full_name: str, password: str, as_json: bool) -> None:
    """Create an administrator account."""

    async def action(lms: Lms) -> UserView:
        return await lms.users.create_user(
            Actor.system(), CreateUser(email=email, password=password, full_name=full_name, role=Role.ADMIN)
        )

    view = run_on_engine(action, as_json=as_json)
    emit(view, as_json=as_json, text=f"created admin {view.email} ({view.id})")
