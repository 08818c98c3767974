"""The page of an e-mail's unsubscribe link: it says which e-mails stop, and a button stops them."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery

from lms_adapters.mail.unsubscribe import UNSUBSCRIBE_PAGE_PATH
from lms_core import Actor, Lms, MailingList, Unsubscribe
from lms_core.shared.errors import LmsError
from lms_http.auth import provide_anonymous_actor
from lms_http.pages.rendering import PRIVATE, error_page, render_page

# What each list is, as the page names it.
LIST_NAMES = {
    MailingList.WEEKLY_PROGRESS: "the weekly progress summary",
    MailingList.REMINDERS: "reminders about the courses you have not worked on for a while",
}
_SPENT = [
    "The link is not valid: it may have been cut in two by your mail program.",
    "Open the link from the e-mail again, or switch e-mails off in your profile.",
]


class UnsubscribeForm(msgspec.Struct, frozen=True, kw_only=True):
    token: str = ""


@get(UNSUBSCRIBE_PAGE_PATH, include_in_schema=False, dependencies={"anonymous": Provide(provide_anonymous_actor)})
async def unsubscribe_page(
    lms: NamedDependency[Lms], anonymous: NamedDependency[Actor], token: FromQuery[str] = ""
) -> Response[str]:
    """The unsubscribe link's page. Opening it changes nothing (mail scanners open links too); its button
    posts the token back."""
    try:
        status = await lms.notifications.unsubscribe_status(anonymous, Unsubscribe(token=token))
    except LmsError as exc:
        return error_page(exc, "This link does not work", _SPENT, private=True)
    return render_page(
        "unsubscribe.html",
        headers=PRIVATE,
        private=True,
        action=UNSUBSCRIBE_PAGE_PATH,
        token=token,
        email=status.email,
        list_name=LIST_NAMES[status.mailing_list],
        subscribed=status.subscribed,
    )


@post(
    UNSUBSCRIBE_PAGE_PATH,
    include_in_schema=False,
    status_code=200,
    dependencies={"anonymous": Provide(provide_anonymous_actor)},
)
async def unsubscribe(
    lms: NamedDependency[Lms],
    anonymous: NamedDependency[Actor],
    data: Annotated[UnsubscribeForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[str]:
    """Leave the list the posted token names."""
    try:
        done = await lms.notifications.unsubscribe(anonymous, Unsubscribe(token=data.token))
    except LmsError as exc:
        return error_page(exc, "This link does not work", _SPENT, private=True)
    return render_page(
        "message.html",
        headers=PRIVATE,
        private=True,
        tone="ok",
        heading="You are unsubscribed",
        paragraphs=[
            f"{done.email} will no longer receive {LIST_NAMES[done.mailing_list]}.",
            "E-mails about your enrolments, completions and certificates still come. You can switch "
            "this one on again in your profile.",
        ],
    )
