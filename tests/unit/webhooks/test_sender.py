"""The sender checks the address again when it connects (DNS rebinding) and follows no redirect."""

from __future__ import annotations

from lms_adapters.webhooks.guard import NetworkGuard
from lms_adapters.webhooks.sender import HttpWebhookSender
from tests.unit.webhooks.receiver import running_receiver


async def test_a_name_that_now_resolves_to_loopback_is_refused_at_connection() -> None:
    sender = HttpWebhookSender(NetworkGuard(allow_private=False), timeout_seconds=5)
    try:
        with running_receiver() as receiver:
            url = receiver.url.replace("127.0.0.1", "localhost")
            result = await sender.post(url, headers={"webhook-id": "msg_1"}, body=b"{}")
    finally:
        await sender.aclose()

    assert result.status_code is None
    assert result.error is not None and "not a public address" in result.error
    assert receiver.requests == []


async def test_a_redirect_is_an_answer_not_followed() -> None:
    sender = HttpWebhookSender(NetworkGuard(allow_private=True), timeout_seconds=5)
    try:
        with running_receiver([307]) as receiver:
            result = await sender.post(receiver.url, headers={"webhook-id": "msg_1"}, body=b"{}")
    finally:
        await sender.aclose()

    assert (result.status_code, result.succeeded) == (307, False)
    assert len(receiver.requests) == 1


async def test_an_unreachable_receiver_is_an_error_not_an_exception() -> None:
    sender = HttpWebhookSender(NetworkGuard(allow_private=True), timeout_seconds=5)
    try:
        with running_receiver() as receiver:
            url = receiver.url
        result = await sender.post(url, headers={}, body=b"{}")
    finally:
        await sender.aclose()

    assert result.status_code is None
    assert result.error is not None and "ConnectError" in result.error
