"""The people of an authorization matrix: one account per role, and the headers each signs in with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lms_core import Actor, Lms
from tests.support.catalogue import instructor, student
from tests.support.flows import create_admin, login_tokens

# The e-mail of each signed-in role of the usual matrix (anonymous has none).
MATRIX_EMAILS = {
    "student": "student@example.com",
    "enrolled": "enrolled@example.com",
    "other_instructor": "other@example.com",
    "owner": "owner@example.com",
    "admin": "admin@example.com",
}


@dataclass(frozen=True)
class Cast:
    """The accounts a world builder goes on to use: the course owner and the student it enrols."""

    owner: Actor
    enrolled: Actor


async def matrix_cast(lms: Lms) -> Cast:
    """Create the accounts of `MATRIX_EMAILS`: two instructors, two students and an admin."""
    owner = await instructor(lms, MATRIX_EMAILS["owner"])
    await instructor(lms, MATRIX_EMAILS["other_instructor"])
    await student(lms, MATRIX_EMAILS["student"])
    enrolled = await student(lms, MATRIX_EMAILS["enrolled"])
    await create_admin(lms, MATRIX_EMAILS["admin"])
    return Cast(owner=owner, enrolled=enrolled)


async def signed_in_headers(lms: Lms, emails: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Request headers by role: none for "anonymous", a fresh access token for each role in `emails`."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, email in emails.items():
        access, _ = await login_tokens(lms, email)
        headers[role] = {"Authorization": f"Bearer {access}"}
    return headers
