"""Fan-out and delivery through the outbox: signed per Standard Webhooks, idempotent, retried, rotated, disabled."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update
from standardwebhooks.webhooks import Webhook

from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.models import outbox
from lms_core import (
    Actor,
    DeliveryStatus,
    EnrollmentCompleted,
    ListWebhookDeliveries,
    Lms,
    RotateWebhookSecret,
    StudentEnrolled,
    UpdateWebhookEndpoint,
    WebhookDeliveryView,
    WebhookEndpointInactive,
    WebhookSecretIssued,
)
from lms_core.shared.clock import FixedClock
from lms_core.shared.events import EventCatalogue, encode_event
from lms_core.shared.ids import new_id
from lms_core.webhooks.policy import MAX_DELIVERY_ATTEMPTS
from tests.support.attempts import table_rows
from tests.support.doubles import RecordingMailer
from tests.unit.webhooks.conftest import DISABLE_AFTER_DAYS, enrol_someone, register_endpoint
from tests.unit.webhooks.receiver import Received, running_receiver


async def deliveries(lms: Lms, admin: Actor, endpoint_id: UUID) -> list[WebhookDeliveryView]:
    return (await lms.webhooks.list_deliveries(admin, endpoint_id, ListWebhookDeliveries())).items


async def enrolment_failed_once(lms: Lms, admin: Actor, url: str) -> tuple[WebhookSecretIssued, WebhookDeliveryView]:
    """An endpoint at `url` (a receiver answering 500 first), a learner enrolled, one attempt made."""
    created = await register_endpoint(lms, admin, url)
    await enrol_someone(lms)
    await lms.outbox.drain()
    [failed] = await deliveries(lms, admin, created.endpoint.id)
    return created, failed


async def delivery_due_rows(database_url: str) -> list[dict[str, Any]]:
    return [row for row in await table_rows(database_url, outbox) if row["event_type"] == "webhooks.delivery_due"]


async def set_delivery_due_now(database_url: str, now: datetime) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(outbox).where(outbox.c.event_type == "webhooks.delivery_due").values(available_at=now)
            )
    finally:
        await engine.dispose()


def expected_signature(secret: str, request: Received) -> str:
    """What an independent implementation (the `standardwebhooks` package) signs for this request."""
    timestamp = datetime.fromtimestamp(int(request.headers["webhook-timestamp"]), tz=UTC)
    return Webhook(secret).sign(request.headers["webhook-id"], timestamp, request.body.decode())


async def test_an_enrolment_reaches_the_endpoint_signed_per_standard_webhooks(
    hooks_lms: Lms, admin: Actor, clock: FixedClock
) -> None:
    with running_receiver() as receiver:
        created = await register_endpoint(hooks_lms, admin, receiver.url)
        await enrol_someone(hooks_lms)
        await hooks_lms.outbox.drain()

    [request] = receiver.requests
    payload = json.loads(request.body)
    assert payload["type"] == "enrollments.student_enrolled"
    assert payload["version"] == 1
    assert payload["timestamp"] == clock.now().isoformat().replace("+00:00", "Z")
    assert set(payload["data"]) == {"enrollment_id", "student_id", "course_id"}
    assert request.headers["webhook-id"] == payload["id"]
    assert request.headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-signature"] == expected_signature(created.secret, request)
    [delivery] = await deliveries(hooks_lms, admin, created.endpoint.id)
    assert delivery.status is DeliveryStatus.DELIVERED
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, 200, None)
    assert str(delivery.event_id) == payload["id"]
    assert delivery.delivered_at == clock.now()


async def test_the_same_event_handed_over_twice_makes_one_delivery_per_endpoint(hooks_lms: Lms, admin: Actor) -> None:
    with running_receiver() as receiver:
        wanted = await register_endpoint(hooks_lms, admin, receiver.url, "enrollments.completed")
        other = await register_endpoint(hooks_lms, admin, receiver.url + "/other", "enrollments.completed")
        await register_endpoint(hooks_lms, admin, receiver.url + "/not-this-type", "certificates.issued")
        inactive = await register_endpoint(hooks_lms, admin, receiver.url + "/off", "enrollments.completed")
        await hooks_lms.webhooks.update_endpoint(admin, inactive.endpoint.id, UpdateWebhookEndpoint(is_active=False))
        event = EnrollmentCompleted(enrollment_id=new_id(), student_id=new_id(), course_id=new_id())

        await hooks_lms.webhooks.fan_out(event)
        await hooks_lms.webhooks.fan_out(event)
        await hooks_lms.outbox.drain()

    assert sorted(r.path for r in receiver.requests) == ["/hooks", "/hooks/other"]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {str(event.event_id)}
    for endpoint in (wanted, other):
        [delivery] = await deliveries(hooks_lms, admin, endpoint.endpoint.id)
        assert delivery.event_id == event.event_id
    assert await deliveries(hooks_lms, admin, inactive.endpoint.id) == []


async def test_a_failed_attempt_is_recorded_and_retried_after_its_back_off_with_the_same_id_and_body(
    hooks_lms: Lms, admin: Actor, clock: FixedClock, database_url: str
) -> None:
    with running_receiver([500]) as receiver:
        created, failed = await enrolment_failed_once(hooks_lms, admin, receiver.url)
        assert failed.status is DeliveryStatus.PENDING
        assert (failed.attempts, failed.last_status_code) == (1, 500)
        assert failed.last_error == "the receiver answered 500"
        assert failed.next_attempt_at is not None
        assert clock.now() + timedelta(seconds=3.75) <= failed.next_attempt_at <= clock.now() + timedelta(seconds=5)
        # The outbox brings the delivery back exactly when the webhook back-off says, one attempt counted.
        [due] = await delivery_due_rows(database_url)
        assert (due["available_at"], due["attempts"], due["dead"]) == (failed.next_attempt_at, 1, False)

        clock.advance(failed.next_attempt_at - clock.now() - timedelta(milliseconds=1))
        assert await hooks_lms.outbox.run_once() == 0  # not due yet: not handed over, so not refused either
        clock.advance(timedelta(milliseconds=1))
        await hooks_lms.outbox.drain()

    first, second = receiver.requests
    assert (first.answered, second.answered) == (500, 200)
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    [delivered] = await deliveries(hooks_lms, admin, created.endpoint.id)
    assert delivered.id == failed.id
    assert (delivered.status, delivered.attempts, delivered.last_status_code) == (DeliveryStatus.DELIVERED, 2, 200)
    assert delivered.next_attempt_at is None
    assert await delivery_due_rows(database_url) == []


async def test_a_delivery_handed_over_before_it_is_due_waits_for_its_time_without_an_attempt_counted(
    hooks_lms: Lms, admin: Actor, clock: FixedClock, database_url: str
) -> None:
    with running_receiver([500]) as receiver:
        created, failed = await enrolment_failed_once(hooks_lms, admin, receiver.url)
        assert failed.next_attempt_at is not None
        # An operator re-queues every event at once (`lms tasks retry --all` does the same for failed ones):
        # the delivery's event comes early, and goes back to wait for its time, with nothing counted.
        await set_delivery_due_now(database_url, clock.now())
        assert await hooks_lms.outbox.run_once() == 0
        [due] = await delivery_due_rows(database_url)
        assert (due["available_at"], due["attempts"]) == (failed.next_attempt_at, 1)
        assert len(receiver.requests) == 1
        [still] = await deliveries(hooks_lms, admin, created.endpoint.id)
        assert (still.attempts, still.status) == (1, DeliveryStatus.PENDING)

        clock.advance(failed.next_attempt_at - clock.now())
        await hooks_lms.outbox.drain()
    assert [request.answered for request in receiver.requests] == [500, 200]
    assert await delivery_due_rows(database_url) == []


async def test_a_delivery_that_never_succeeds_is_given_up_after_its_last_attempt(
    hooks_lms: Lms, admin: Actor, clock: FixedClock
) -> None:
    with running_receiver([503] * MAX_DELIVERY_ATTEMPTS) as receiver:
        created = await register_endpoint(hooks_lms, admin, receiver.url)
        await enrol_someone(hooks_lms)
        for _ in range(MAX_DELIVERY_ATTEMPTS):
            await hooks_lms.outbox.drain()
            clock.advance(timedelta(hours=1))

    assert len(receiver.requests) == MAX_DELIVERY_ATTEMPTS
    [delivery] = await deliveries(hooks_lms, admin, created.endpoint.id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.FAILED,
        MAX_DELIVERY_ATTEMPTS,
        None,
    )
    assert await hooks_lms.outbox.pending() == 0


async def test_after_a_rotation_both_secrets_sign_until_the_grace_ends(
    hooks_lms: Lms, admin: Actor, clock: FixedClock
) -> None:
    with running_receiver() as receiver:
        created = await register_endpoint(hooks_lms, admin, receiver.url, "enrollments.completed")
        rotated = await hooks_lms.webhooks.rotate_secret(
            admin, created.endpoint.id, RotateWebhookSecret(grace_seconds=3600)
        )
        assert rotated.secret != created.secret
        assert rotated.endpoint.previous_secret_expires_at == clock.now() + timedelta(hours=1)

        await hooks_lms.webhooks.fan_out(
            EnrollmentCompleted(enrollment_id=new_id(), student_id=new_id(), course_id=new_id())
        )
        await hooks_lms.outbox.drain()
        clock.advance(timedelta(hours=1))
        await hooks_lms.webhooks.fan_out(
            EnrollmentCompleted(enrollment_id=new_id(), student_id=new_id(), course_id=new_id())
        )
        await hooks_lms.outbox.drain()

    during, after = receiver.requests
    assert during.headers["webhook-signature"].split(" ") == [
        expected_signature(rotated.secret, during),
        expected_signature(created.secret, during),
    ]
    assert after.headers["webhook-signature"] == expected_signature(rotated.secret, after)
    view = await hooks_lms.webhooks.get_endpoint(admin, created.endpoint.id)
    assert view.previous_secret_expires_at is None


async def test_an_endpoint_failing_for_the_configured_days_is_disabled_and_its_owner_told(
    hooks_lms: Lms, admin: Actor, clock: FixedClock, mailer: RecordingMailer
) -> None:
    with running_receiver([500] * 10) as receiver:
        created = await register_endpoint(hooks_lms, admin, receiver.url, "enrollments.completed")
        event = EnrollmentCompleted(enrollment_id=new_id(), student_id=new_id(), course_id=new_id())
        await hooks_lms.webhooks.fan_out(event)
        await hooks_lms.outbox.drain()
        assert (await hooks_lms.webhooks.get_endpoint(admin, created.endpoint.id)).failing_since == clock.now()

        clock.advance(timedelta(days=DISABLE_AFTER_DAYS, seconds=1))
        await hooks_lms.webhooks.fan_out(
            EnrollmentCompleted(enrollment_id=new_id(), student_id=new_id(), course_id=new_id())
        )
        await hooks_lms.outbox.drain()
        requests_when_disabled = len(receiver.requests)
        clock.advance(timedelta(hours=1))
        await hooks_lms.outbox.drain()

    endpoint = await hooks_lms.webhooks.get_endpoint(admin, created.endpoint.id)
    assert endpoint.is_active is False
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason is not None and "the receiver answered 500" in endpoint.disabled_reason
    assert len(receiver.requests) == requests_when_disabled
    assert {d.status for d in await deliveries(hooks_lms, admin, created.endpoint.id)} == {DeliveryStatus.FAILED}
    [message] = mailer.to("hooks-admin@example.com")
    assert "disabled" in message.subject
    assert receiver.url in message.text
    delivery = (await deliveries(hooks_lms, admin, created.endpoint.id))[0]
    with pytest.raises(WebhookEndpointInactive):
        await hooks_lms.webhooks.resend_delivery(admin, created.endpoint.id, delivery.id)

    enabled = await hooks_lms.webhooks.update_endpoint(
        admin, created.endpoint.id, UpdateWebhookEndpoint(is_active=True)
    )
    assert (enabled.is_active, enabled.failing_since, enabled.disabled_at, enabled.disabled_reason) == (
        True,
        None,
        None,
        None,
    )


async def test_a_success_clears_the_failure_history(hooks_lms: Lms, admin: Actor, clock: FixedClock) -> None:
    with running_receiver([500]) as receiver:
        created = await register_endpoint(hooks_lms, admin, receiver.url)
        await enrol_someone(hooks_lms)
        await hooks_lms.outbox.drain()
        assert (await hooks_lms.webhooks.get_endpoint(admin, created.endpoint.id)).failing_since is not None
        clock.advance(timedelta(minutes=1))
        await hooks_lms.outbox.drain()

    assert [r.answered for r in receiver.requests] == [500, 200]
    assert (await hooks_lms.webhooks.get_endpoint(admin, created.endpoint.id)).failing_since is None


async def test_a_resent_delivery_goes_again_with_the_same_event_id(hooks_lms: Lms, admin: Actor) -> None:
    with running_receiver() as receiver:
        created = await register_endpoint(hooks_lms, admin, receiver.url)
        await enrol_someone(hooks_lms)
        await hooks_lms.outbox.drain()
        [delivered] = await deliveries(hooks_lms, admin, created.endpoint.id)

        restarted = await hooks_lms.webhooks.resend_delivery(admin, created.endpoint.id, delivered.id)
        assert (restarted.status, restarted.attempts, restarted.delivered_at) == (DeliveryStatus.PENDING, 0, None)
        await hooks_lms.outbox.drain()

    first, again = receiver.requests
    assert first.body == again.body
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == str(delivered.event_id)
    [after] = await deliveries(hooks_lms, admin, created.endpoint.id)
    assert (after.id, after.status, after.attempts) == (delivered.id, DeliveryStatus.DELIVERED, 1)


async def test_enrolment_events_of_every_kind_reach_an_endpoint_that_wants_them(hooks_lms: Lms, admin: Actor) -> None:
    with running_receiver() as receiver:
        await register_endpoint(hooks_lms, admin, receiver.url, "enrollments.student_enrolled", "enrollments.dropped")
        await enrol_someone(hooks_lms)
        await hooks_lms.outbox.drain()
        [enrolled] = receiver.requests
        enrollment_id = UUID(json.loads(enrolled.body)["data"]["enrollment_id"])
        await hooks_lms.enrollments.drop(admin, enrollment_id)
        await hooks_lms.outbox.drain()

    assert [json.loads(r.body)["type"] for r in receiver.requests] == [
        "enrollments.student_enrolled",
        "enrollments.dropped",
    ]
    assert json.loads(receiver.requests[1].body)["data"]["enrollment_id"] == str(enrollment_id)
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 2


def test_payload_event_ids_are_stable_across_the_outbox_round_trip() -> None:
    event = StudentEnrolled(enrollment_id=new_id(), student_id=new_id(), course_id=new_id())
    decoded = EventCatalogue.of(StudentEnrolled).decode(event.event_type, encode_event(event))
    assert decoded == event
    assert decoded.event_id == event.event_id
