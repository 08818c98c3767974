"""Registering, reading, changing and removing endpoints: admins only, validated URLs and event types."""

from __future__ import annotations

from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from lms_adapters.persistence.models import webhook_endpoints
from lms_core import (
    Actor,
    CreateWebhookEndpoint,
    ForbiddenWebhookDestination,
    InvalidWebhookUrl,
    ListWebhookDeliveries,
    ListWebhookEndpoints,
    Lms,
    NotWebhookAdmin,
    RotateWebhookSecret,
    UnknownWebhookEventType,
    UpdateWebhookEndpoint,
    WebhookEndpointNotFound,
)
from lms_core.shared.ids import new_id
from tests.support.catalogue import instructor, student
from tests.support.flows import create_admin

PUBLIC_URL = "https://93.184.215.14/hooks"


@pytest.fixture
async def admin(lms: Lms) -> Actor:
    return await create_admin(lms)


async def test_an_admin_registers_an_endpoint_and_sees_its_secret_only_once(
    lms: Lms, admin: Actor, database_url: str
) -> None:
    created = await lms.webhooks.create_endpoint(
        admin,
        CreateWebhookEndpoint(
            url=PUBLIC_URL,
            event_types=["enrollments.completed", "enrollments.student_enrolled", "enrollments.completed"],
            description="CRM sync",
        ),
    )

    assert created.secret.startswith("whsec_")
    assert created.endpoint.url == PUBLIC_URL
    assert created.endpoint.event_types == ["enrollments.completed", "enrollments.student_enrolled"]
    assert created.endpoint.owner_id == admin.user_id
    assert created.endpoint.is_active is True
    listed = await lms.webhooks.list_endpoints(admin, ListWebhookEndpoints())
    assert listed.total == 1
    assert listed.items == [created.endpoint]
    assert "secret" not in listed.items[0].__struct_fields__
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            stored = (await connection.execute(select(webhook_endpoints.c.sealed_secret))).scalar_one()
    finally:
        await engine.dispose()
    assert created.secret not in stored
    assert created.secret.removeprefix("whsec_") not in stored


async def test_only_admins_manage_webhooks(lms: Lms, admin: Actor) -> None:
    endpoint = (
        await lms.webhooks.create_endpoint(
            admin, CreateWebhookEndpoint(url=PUBLIC_URL, event_types=["certificates.issued"])
        )
    ).endpoint
    others = [await instructor(lms), await student(lms), Actor.anonymous()]
    for actor in others:
        calls = [
            lms.webhooks.create_endpoint(
                actor, CreateWebhookEndpoint(url=PUBLIC_URL, event_types=["certificates.issued"])
            ),
            lms.webhooks.list_endpoints(actor, ListWebhookEndpoints()),
            lms.webhooks.get_endpoint(actor, endpoint.id),
            lms.webhooks.update_endpoint(actor, endpoint.id, UpdateWebhookEndpoint(is_active=False)),
            lms.webhooks.rotate_secret(actor, endpoint.id, RotateWebhookSecret()),
            lms.webhooks.list_deliveries(actor, endpoint.id, ListWebhookDeliveries()),
            lms.webhooks.resend_delivery(actor, endpoint.id, new_id()),
            lms.webhooks.delete_endpoint(actor, endpoint.id),
        ]
        for call in calls:
            with pytest.raises(NotWebhookAdmin):
                await call
    assert await lms.webhooks.get_endpoint(admin, endpoint.id) == endpoint


@pytest.mark.parametrize(
    "url",
    [
        "ftp://93.184.215.14/hooks",
        "file:///etc/passwd",
        "hooks.example.com/path",
        "https://",
        "https://user:pass@93.184.215.14/hooks",
        "https://93.184.215.14:99999/hooks",
        "https://93.184.215.14/ho oks",
    ],
)
async def test_a_url_that_is_not_http_with_a_host_and_without_credentials_is_refused(
    lms: Lms, admin: Actor, url: str
) -> None:
    with pytest.raises(InvalidWebhookUrl):
        await lms.webhooks.create_endpoint(admin, CreateWebhookEndpoint(url=url, event_types=["certificates.issued"]))
    assert (await lms.webhooks.list_endpoints(admin, ListWebhookEndpoints())).total == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/hooks",
        "http://172.16.0.9/hooks",
        "http://192.168.1.20/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/hooks",
        "http://0.0.0.0/hooks",
        "http://[::1]/hooks",
        "http://[fe80::1]/hooks",
        "http://[fd00::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
    ],
)
async def test_loopback_link_local_and_private_destinations_are_refused(lms: Lms, admin: Actor, url: str) -> None:
    with pytest.raises(ForbiddenWebhookDestination):
        await lms.webhooks.create_endpoint(admin, CreateWebhookEndpoint(url=url, event_types=["certificates.issued"]))
    assert (await lms.webhooks.list_endpoints(admin, ListWebhookEndpoints())).total == 0


async def test_changing_the_url_to_a_private_address_is_refused_and_keeps_the_old_one(lms: Lms, admin: Actor) -> None:
    endpoint = (
        await lms.webhooks.create_endpoint(
            admin, CreateWebhookEndpoint(url=PUBLIC_URL, event_types=["certificates.issued"])
        )
    ).endpoint
    with pytest.raises(ForbiddenWebhookDestination):
        await lms.webhooks.update_endpoint(admin, endpoint.id, UpdateWebhookEndpoint(url="http://10.0.0.1/x"))
    assert (await lms.webhooks.get_endpoint(admin, endpoint.id)).url == PUBLIC_URL


async def test_an_event_type_the_engine_does_not_send_is_refused(lms: Lms, admin: Actor) -> None:
    with pytest.raises(UnknownWebhookEventType) as refused:
        await lms.webhooks.create_endpoint(
            admin, CreateWebhookEndpoint(url=PUBLIC_URL, event_types=["enrollments.completed", "users.deleted"])
        )
    assert refused.value.details["unknown"] == ["users.deleted"]
    assert "certificates.revoked" in refused.value.details["known"]


async def test_every_sendable_event_type_is_in_the_engines_catalogue(lms: Lms) -> None:
    assert lms.webhooks.event_types() == [
        "certificates.issued",
        "certificates.revoked",
        "enrollments.completed",
        "enrollments.dropped",
        "enrollments.student_enrolled",
        "payment.refunded",
        "payment.succeeded",
        "subscription.updated",
    ]
    catalogue_names = {event_class.event_type for event_class in lms.outbox._events}
    assert set(lms.webhooks.event_types()) <= catalogue_names


async def test_an_admin_changes_and_removes_an_endpoint(lms: Lms, admin: Actor) -> None:
    endpoint = (
        await lms.webhooks.create_endpoint(
            admin, CreateWebhookEndpoint(url=PUBLIC_URL, event_types=["certificates.issued"])
        )
    ).endpoint

    changed = await lms.webhooks.update_endpoint(
        admin,
        endpoint.id,
        UpdateWebhookEndpoint(description="Warehouse", event_types=["certificates.revoked"], is_active=False),
    )

    assert (changed.description, changed.event_types, changed.is_active) == (
        "Warehouse",
        ["certificates.revoked"],
        False,
    )
    assert await lms.webhooks.get_endpoint(admin, endpoint.id) == changed
    await lms.webhooks.delete_endpoint(admin, endpoint.id)
    with pytest.raises(WebhookEndpointNotFound):
        await lms.webhooks.get_endpoint(admin, endpoint.id)
    with pytest.raises(WebhookEndpointNotFound):
        await lms.webhooks.delete_endpoint(admin, UUID(int=1))
