"""`/api/v1/notifications`: the one-click unsubscribe address of the optional e-mails (RFC 8058)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from litestar.status_codes import HTTP_303_SEE_OTHER

from lms_adapters.mail.unsubscribe import ONE_CLICK_UNSUBSCRIBE_PATH, UNSUBSCRIBE_PAGE_PATH
from lms_core import Actor, Lms, Unsubscribe, UnsubscribeView
from lms_http.auth import provide_anonymous_actor
from lms_http.errors import problems

TokenQuery = Annotated[str, QueryParameter(min_length=1, max_length=512, description="the e-mail's signed token")]


class NotificationsController(Controller):
    path = ONE_CLICK_UNSUBSCRIBE_PATH.removesuffix("/unsubscribe")
    tags = ["notifications"]
    dependencies = {"anonymous": Provide(provide_anonymous_actor)}

    @post("/unsubscribe", status_code=200, summary="Unsubscribe in one click", responses=problems(422))
    async def unsubscribe(
        self, lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], token: TokenQuery
    ) -> UnsubscribeView:
        """The `List-Unsubscribe` address of the weekly summaries and reminders: a mail client posts
        `List-Unsubscribe=One-Click` here (RFC 8058) and the account leaves the list the signed token names.
        No account or credential is needed: the token is the proof. Posting again changes nothing.

        Errors: 422 `notifications.invalid_unsubscribe_token` for a token cut short, altered, or of an account
        that no longer exists."""
        return await lms.notifications.unsubscribe(anonymous, Unsubscribe(token=token))

    @get("/unsubscribe", status_code=HTTP_303_SEE_OTHER, include_in_schema=False, sync_to_thread=False)
    def unsubscribe_page(self, token: FromQuery[str] = "") -> Response[None]:
        """A mail client without one-click support opens the header's address: the page asks first, since
        a GET (a link scanner's too) must never unsubscribe."""
        return Response(
            None,
            status_code=HTTP_303_SEE_OTHER,
            headers={"Location": f"{UNSUBSCRIBE_PAGE_PATH}?token={quote(token, safe='')}"},
        )
