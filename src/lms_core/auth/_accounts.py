"""Small shared steps of the auth use cases."""

from __future__ import annotations

from lms_core.auth.errors import InvalidToken
from lms_core.emails.entities import EmailTemplate
from lms_core.emails.events import EmailRequested
from lms_core.shared.ids import UserId
from lms_core.shared.ports import Transaction
from lms_core.users.entities import User


async def active_user(tx: Transaction, user_id: UserId) -> User:
    """The signed-in caller's account, locked for the change to come; an inactive one ends the session."""
    user = await tx.users.get_for_update(user_id)
    if user is None or not user.is_active:
        raise InvalidToken("the account is not active")
    return user


def mfa_code_email(user: User, code: str) -> EmailRequested:
    return EmailRequested(
        to=user.email, template=EmailTemplate.MFA_CODE, context={"full_name": user.full_name, "code": code}
    )
