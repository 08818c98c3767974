"""`/api/v1/webhooks`: outbound webhook endpoints and their deliveries (docs/webhooks.md). Admins only."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from lms_core import (
    Actor,
    CreateWebhookEndpoint,
    DeliveryStatus,
    ListWebhookDeliveries,
    ListWebhookEndpoints,
    Lms,
    RotateWebhookSecret,
    UpdateWebhookEndpoint,
    WebhookDeliveryView,
    WebhookEndpointView,
    WebhookSecretIssued,
)
from lms_core.shared.pagination import DEFAULT_PAGE_SIZE
from lms_http.auth import SIGNED_IN, provide_actor
from lms_http.errors import problems
from lms_http.paging import PageQuery, PageSizeQuery, WebhookDeliveryPage, WebhookEndpointPage


class WebhooksController(Controller):
    path = "/api/v1/webhooks"
    tags = ["webhooks"]
    dependencies = {"actor": Provide(provide_actor)}
    security = SIGNED_IN

    @get("/", summary="List webhook endpoints", responses=problems(401, 403, 422))
    async def list_webhook_endpoints(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> WebhookEndpointPage:
        """Admins list every webhook endpoint, newest first, without their secrets. Changes nothing.

        Errors: 401 without a valid access token; 403 `webhooks.admin_only` for anyone but an admin; 422 a
        query parameter out of range."""
        return await lms.webhooks.list_endpoints(actor, ListWebhookEndpoints(page=page, page_size=page_size))

    @post("/", status_code=201, summary="Register a webhook endpoint", responses=problems(401, 403, 422))
    async def create_webhook_endpoint(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], data: JSONBody[CreateWebhookEndpoint]
    ) -> WebhookSecretIssued:
        """Admins register a URL to receive signed events of the listed types. The answer carries the signing
        secret (`whsec_...`, Standard Webhooks) this once: store it, it is never shown again.

        Errors: 401 without a valid access token; 403 `webhooks.admin_only` for anyone but an admin; 422
        `webhooks.invalid_url` for anything but an http(s) URL with a host and no credentials,
        `webhooks.forbidden_destination` for a host that is or resolves to a loopback, link-local or private
        address, `webhooks.unresolvable_host`, `webhooks.unknown_event_type`, or a body that does not match
        `CreateWebhookEndpoint`."""
        return await lms.webhooks.create_endpoint(actor, data)

    @get("/{endpoint_id:uuid}", summary="One webhook endpoint", responses=problems(401, 403, 404))
    async def get_webhook_endpoint(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], endpoint_id: FromPath[UUID]
    ) -> WebhookEndpointView:
        """Admins read an endpoint: its URL, event types, activation and failure state. Changes nothing.

        Errors: 401 without a valid access token; 403 `webhooks.admin_only` for anyone but an admin; 404
        `webhooks.endpoint_not_found`."""
        return await lms.webhooks.get_endpoint(actor, endpoint_id)

    @patch("/{endpoint_id:uuid}", summary="Change a webhook endpoint", responses=problems(401, 403, 404, 422))
    async def update_webhook_endpoint(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        endpoint_id: FromPath[UUID],
        data: JSONBody[UpdateWebhookEndpoint],
    ) -> WebhookEndpointView:
        """Admins change an endpoint's URL, event types, description or activation; absent fields stay as they
        are. `is_active: true` re-enables a disabled endpoint and forgets its failures.

        Errors: 401 without a valid access token; 403 `webhooks.admin_only` for anyone but an admin; 404
        `webhooks.endpoint_not_found`; 422 as for registering, or a body that does not match
        `UpdateWebhookEndpoint`."""
        return await lms.webhooks.update_endpoint(actor, endpoint_id, data)

    @delete(
        "/{endpoint_id:uuid}", status_code=204, summary="Remove a webhook endpoint", responses=problems(401, 403, 404)
    )
    async def delete_webhook_endpoint(
        self, lms: NamedDependency[Lms], actor: NamedDependency[Actor], endpoint_id: FromPath[UUID]
    ) -> None:
        """Admins remove an endpoint with its delivery history; deliveries still pending are not attempted.

        Errors: 401 without a valid access token; 403 `webhooks.admin_only` for anyone but an admin; 404
        `webhooks.endpoint_not_found`."""
        await lms.webhooks.delete_endpoint(actor, endpoint_id)

    @post(
        "/{endpoint_id:uuid}/rotate-secret",
        status_code=200,
        summary="Rotate a webhook endpoint's secret",
        responses=problems(401, 403, 404, 422),
    )
    async def rotate_webhook_secret(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        endpoint_id: FromPath[UUID],
        data: JSONBody[RotateWebhookSecret],
    ) -> WebhookSecretIssued:
        """Admins replace an endpoint's signing secret; the answer carries the new one this once. The previous
        secret keeps signing for `grace_seconds` (default LMS_WEBHOOK_SECRET_GRACE_HOURS): messages meanwhile
        carry both signatures, so the receiver can switch at its own pace. Send `{}` for the default grace.

        Errors: 401 without a valid access token; 403 `webhooks.admin_only` for anyone but an admin; 404
        `webhooks.endpoint_not_found`; 422 a body that does not match `RotateWebhookSecret`."""
        return await lms.webhooks.rotate_secret(actor, endpoint_id, data)

    @get(
        "/{endpoint_id:uuid}/deliveries",
        summary="List a webhook endpoint's deliveries",
        responses=problems(401, 403, 404, 422),
    )
    async def list_webhook_deliveries(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        endpoint_id: FromPath[UUID],
        status: FromQuery[DeliveryStatus | None] = None,
        page: PageQuery = 1,
        page_size: PageSizeQuery = DEFAULT_PAGE_SIZE,
    ) -> WebhookDeliveryPage:
        """Admins list an endpoint's recent deliveries, newest first, optionally of one status: attempts, the
        last status code or error, and when it was created, last tried, next due and delivered. Changes
        nothing.

        Errors: 401 without a valid access token; 403 `webhooks.admin_only` for anyone but an admin; 404
        `webhooks.endpoint_not_found`; 422 a query parameter out of range."""
        query = ListWebhookDeliveries(status=status, page=page, page_size=page_size)
        return await lms.webhooks.list_deliveries(actor, endpoint_id, query)

    @post(
        "/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}/resend",
        status_code=202,
        summary="Re-send a webhook delivery",
        responses=problems(401, 403, 404, 409),
    )
    async def resend_webhook_delivery(
        self,
        lms: NamedDependency[Lms],
        actor: NamedDependency[Actor],
        endpoint_id: FromPath[UUID],
        delivery_id: FromPath[UUID],
    ) -> WebhookDeliveryView:
        """Admins send a delivery again, whatever its status: it is pending with a fresh round of attempts, with
        the same event id and body (receivers that have it can ignore it). The attempt happens in the
        background.

        Errors: 401 without a valid access token; 403 `webhooks.admin_only` for anyone but an admin; 404
        `webhooks.endpoint_not_found` or `webhooks.delivery_not_found`; 409 `webhooks.endpoint_inactive` for a
        disabled endpoint (enable it first)."""
        return await lms.webhooks.resend_delivery(actor, endpoint_id, delivery_id)
