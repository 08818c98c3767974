"""Signed one-click unsubscribe tokens, and the addresses of the e-mails the notifications module sends."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote
from uuid import UUID

from lms_adapters.links import ApiLinks
from lms_adapters.security.keys import derive_key
from lms_core.notifications.entities import MailingList
from lms_core.notifications.errors import InvalidUnsubscribeToken
from lms_core.shared.ids import UserId

# The API's one-click address (the `List-Unsubscribe` header) and the page a person opens from the e-mail.
ONE_CLICK_UNSUBSCRIBE_PATH = "/api/v1/notifications/unsubscribe"
UNSUBSCRIBE_PAGE_PATH = "/unsubscribe"
COURSE_PATH = "/api/v1/courses"
CERTIFICATE_DOWNLOAD_PATH = "/api/v1/certificates/{certificate_id}/download"

_USER_HEX = 32


class HmacUnsubscribeTokens:
    """Implements `UnsubscribeTokens`: `<user id hex>-<list>-<HMAC-SHA256, base64url>`.

    The key is derived from `LMS_SECRET_KEY` for this purpose alone. Nothing is stored: the signature is
    the proof, so a link keeps working as long as the secret key stays the same (RFC 8058 asks that the
    link of an old message still unsubscribes). Only URL-safe characters, so the token needs no quoting.
    """

    def __init__(self, secret_key: str) -> None:
        self._key = derive_key(secret_key, "unsubscribe")

    def issue(self, user_id: UserId, mailing_list: MailingList) -> str:
        signed = f"{user_id.hex}-{mailing_list.value}"
        return f"{signed}-{self._mac(signed)}"

    def read(self, token: str) -> tuple[UserId, MailingList]:
        user_hex, _, rest = token.partition("-")
        list_name, _, mac = rest.partition("-")
        try:
            if len(user_hex) != _USER_HEX:
                raise ValueError("user id")
            user_id = UserId(UUID(hex=user_hex))
            mailing_list = MailingList(list_name)
        except ValueError:
            raise _invalid() from None
        if not hmac.compare_digest(mac.encode(), self._mac(f"{user_hex}-{list_name}").encode()):
            raise _invalid()
        return user_id, mailing_list

    def _mac(self, signed: str) -> str:
        digest = hmac.new(self._key, signed.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _invalid() -> InvalidUnsubscribeToken:
    return InvalidUnsubscribeToken(
        "this unsubscribe link is not valid: it may have been cut short", details={"field": "token"}
    )


class NotificationLinks:
    """Implements the notifications module's `NotificationLinks` on `LMS_PUBLIC_BASE_URL`."""

    def __init__(self, public_base_url: str) -> None:
        self._base_url = public_base_url.rstrip("/")
        self._api = ApiLinks(public_base_url)

    def course(self, course_id: UUID) -> str:
        return f"{self._base_url}{COURSE_PATH}/{course_id}"

    def certificate_download(self, certificate_id: UUID) -> str:
        return self._base_url + CERTIFICATE_DOWNLOAD_PATH.format(certificate_id=certificate_id)

    def certificate_verification(self, certificate_number: str) -> str:
        return self._api.verification_url(certificate_number)

    def unsubscribe_page(self, token: str) -> str:
        return f"{self._base_url}{UNSUBSCRIBE_PAGE_PATH}?token={quote(token, safe='')}"

    def one_click_unsubscribe(self, token: str) -> str:
        return f"{self._base_url}{ONE_CLICK_UNSUBSCRIBE_PATH}?token={quote(token, safe='')}"
