"""What the fuzzed server's events leave behind: a webhook delivery, and a signed unsubscribe token.

The fuzzed server runs without an outbox worker, so its events stay in the outbox. Two operations need
what only delivered events produce: re-sending a webhook delivery needs a delivery row (written when an
event fans out to an endpoint), and the one-click unsubscribe needs the signed token of an optional
e-mail. Once per module, the test opens the engine on the server's own database, as a one-shot `lms`
command does: it delivers the events of one enrolment (the fan-out and the delivery's attempt, to a
receiver on this machine), then runs the weekly-progress job and reads the token from the summary's
`List-Unsubscribe` address in the outbox.

No delivery ever leaves the machine: the server delivers nothing itself, the test delivers only the
events it recorded for this purpose, and the only endpoint they fan out to is `LocalReceiver`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from lms_adapters.bootstrap import open_lms
from lms_adapters.settings import Settings
from lms_core import Actor, SendWeeklyProgress
from tests.support.fuzz_mail import Mailbox
from tests.support.fuzz_world import FuzzWorld, Role

# The event the seeded delivery comes from; the endpoints of the worlds and of the fuzzer listen to another
# one (`fuzz_world.FUZZED_WEBHOOK_EVENT`), so the module's one delivery round fans out to this endpoint alone.
DELIVERED_EVENT = "enrollments.student_enrolled"


class _Receiving(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        server = self.server
        assert isinstance(server, _ReceiverServer)
        server.received.append((self.path, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fuzzing output is long enough."""


class _ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receiving)
        self.received: list[tuple[str, bytes]] = []


class LocalReceiver:
    """A webhook receiver on a loopback port that answers every POST with 204 and keeps what it got."""

    def __init__(self) -> None:
        self._server = _ReceiverServer()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/hooks/lms"

    @property
    def received(self) -> list[tuple[str, bytes]]:
        return list(self._server.received)

    def __enter__(self) -> LocalReceiver:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@dataclass(frozen=True)
class DeliveredEvents:
    """The endpoint holding the seeded delivery, the delivery, and a valid one-click unsubscribe token."""

    endpoint_id: str
    delivery_id: str
    unsubscribe_token: str


def seed_delivered_events(
    world: FuzzWorld, env: Mapping[str, str], mailbox: Mailbox, receiver: LocalReceiver
) -> DeliveredEvents:
    """In `world` (seeded for this alone): an endpoint on `receiver` with one delivered delivery, and the
    unsubscribe token of the weekly summary mailed to the world's student."""
    admin = {"Authorization": f"Bearer {world.token(Role.ADMIN)}"}
    student = {"Authorization": f"Bearer {world.token(Role.STUDENT)}"}
    with httpx.Client(base_url=f"{world.base_url}/api/v1", timeout=30) as http:
        created = _expect(
            http.post(
                "/webhooks",
                headers=admin,
                json={"url": receiver.url, "event_types": [DELIVERED_EVENT], "description": "Fuzz receiver"},
            ),
            201,
        )
        endpoint_id = created["endpoint"]["id"]
        since = datetime.now(UTC)
        _expect(http.post("/enrollments", headers=student, json={"course_id": world.ids["course"]}), 201)
        asyncio.run(_deliver_and_mail(Settings.from_env(env), since))
        deliveries = _expect(http.get(f"/webhooks/{endpoint_id}/deliveries", headers=admin), 200)
    assert [delivery["status"] for delivery in deliveries["items"]] == ["delivered"], deliveries
    assert len(receiver.received) == 1, receiver.received
    one_click = mailbox.one_click_unsubscribe(world.bodies["emails"][Role.STUDENT])
    token = parse_qs(urlsplit(one_click).query)["token"][0]
    return DeliveredEvents(endpoint_id=endpoint_id, delivery_id=deliveries["items"][0]["id"], unsubscribe_token=token)


async def _deliver_and_mail(settings: Settings, since: datetime) -> None:
    """What `lms` one-shot commands do: deliver the events recorded since `since` (the enrolment, the
    delivery it fans out to), then record the weekly summaries, left in the outbox for `Mailbox`."""
    async with open_lms(settings) as lms:
        await lms.outbox.drain(recorded_since=since)
        report = await lms.notifications.send_weekly_progress(Actor.system(), SendWeeklyProgress())
    assert report.sent >= 1, report


def _expect(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()
