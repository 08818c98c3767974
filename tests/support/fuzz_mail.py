"""Valid bodies for the operations that need a secret sent by e-mail (a link's token, an MFA code).

The fuzzed server runs without its outbox worker, so every `EmailRequested` stays in its `outbox` table,
sealed with a key derived from the server's secret key. The test knows that key: it opens the newest
message to an address with the server's own sealer and takes the token or code from its context. Each
body belongs to a fresh account registered for it, so resetting a password or turning MFA on never
touches the sessions a fuzzing pass signs in with.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from lms_adapters.security.sealing import AesGcmPayloadSealer
from lms_core.emails.events import EmailRequested
from tests.support.fuzz_world import PASSWORD, Role

# The operations served here; the two signed-in ones are called with the fresh account's own token.
MAILED_OPERATIONS = frozenset(
    {
        "POST /api/v1/auth/verify-email/confirm",
        "POST /api/v1/auth/reset-password",
        "POST /api/v1/auth/mfa/enable/confirm",
        "POST /api/v1/auth/login/mfa",
        "POST /api/v1/auth/mfa/disable",
    }
)
SIGNED_IN_OPERATIONS = frozenset({"POST /api/v1/auth/mfa/enable/confirm", "POST /api/v1/auth/mfa/disable"})


@dataclass(frozen=True)
class MailedCase:
    """A valid body, and the bearer token the call must carry instead of the role's (None: the role's)."""

    body: dict[str, Any]
    token: str | None = None


class Mailbox:
    """Reads the e-mails a live server recorded in the outbox of its SQLite database."""

    def __init__(self, database: Path, secret_key: str) -> None:
        self._database = database
        self._sealer = AesGcmPayloadSealer(secret_key, [EmailRequested.event_type])

    def _payloads(self, address: str) -> Iterator[dict[str, Any]]:
        """The e-mails to `address` in the outbox, newest first."""
        with sqlite3.connect(self._database, timeout=30) as connection:
            rows = connection.execute(
                "SELECT payload FROM outbox WHERE event_type = ? ORDER BY rowid DESC", (EmailRequested.event_type,)
            ).fetchall()
        for (stored,) in rows:
            payload: dict[str, Any] = self._sealer.unseal(EmailRequested.event_type, json.loads(stored))
            if payload["to"] == address:
                yield payload

    def newest(self, address: str, key: str) -> str:
        """The `key` of the newest e-mail's context to `address` that has one."""
        for payload in self._payloads(address):
            if key in payload["context"]:
                value: str = payload["context"][key]
                return value
        raise AssertionError(f"no e-mail with a {key!r} to {address} in the outbox")

    def one_click_unsubscribe(self, address: str) -> str:
        """The `List-Unsubscribe` address of the newest optional e-mail (a weekly summary, a reminder) to `address`."""
        for payload in self._payloads(address):
            if payload.get("list_unsubscribe"):
                value: str = payload["list_unsubscribe"]
                return value
        raise AssertionError(f"no e-mail with a List-Unsubscribe address to {address} in the outbox")

    def link_token(self, address: str) -> str:
        return parse_qs(urlsplit(self.newest(address, "link")).query)["token"][0]


class _Account:
    """A fresh student account, signed in, whose mail the test reads."""

    def __init__(self, http: httpx.Client, email: str) -> None:
        self.http = http
        self.email = email
        registered = self.call(
            "POST", "/auth/register", 201, json={"email": email, "password": PASSWORD, "full_name": "Mailed"}
        )
        self.token: str = registered["access_token"]

    def call(self, method: str, path: str, expect: int, *, signed_in: bool = False, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if signed_in else {}
        response = self.http.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expect, f"preparing {method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def enable_mfa(self, mailbox: Mailbox) -> None:
        self.call("POST", "/auth/mfa/enable/request", 202, signed_in=True)
        code = mailbox.newest(self.email, "code")
        self.call("POST", "/auth/mfa/enable/confirm", 200, signed_in=True, json={"code": code})


def mailed_case(label: str, role: Role, base_url: str, mailbox: Mailbox, email: str) -> MailedCase | None:
    """A valid body for `label` if it needs a mailed secret, prepared for a fresh account at `email`;
    None for other operations, and for the signed-in ones in the anonymous pass (it sends no token)."""
    if label not in MAILED_OPERATIONS or (role is Role.ANONYMOUS and label in SIGNED_IN_OPERATIONS):
        return None
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=30) as http:
        account = _Account(http, email)
        if label == "POST /api/v1/auth/verify-email/confirm":
            # Registering mails the verification link.
            return MailedCase({"token": mailbox.link_token(email)})
        if label == "POST /api/v1/auth/reset-password":
            account.call("POST", "/auth/forgot-password", 202, json={"email": email})
            return MailedCase({"token": mailbox.link_token(email), "new_password": f"{PASSWORD} renewed"})
        if label == "POST /api/v1/auth/mfa/enable/confirm":
            account.call("POST", "/auth/mfa/enable/request", 202, signed_in=True)
            return MailedCase({"code": mailbox.newest(email, "code")}, token=account.token)
        account.enable_mfa(mailbox)
        if label == "POST /api/v1/auth/mfa/disable":
            return MailedCase({"password": PASSWORD}, token=account.token)
        login = account.call("POST", "/auth/login", 200, json={"email": email, "password": PASSWORD})
        return MailedCase({"mfa_token": login["mfa_token"], "code": mailbox.newest(email, "code")})
