"""What the fuzzed server needs to reach the success paths of the payment operations: providers it can call
(the local Stripe, Paymob and MyFatoorah servers of this process), a paid course to buy, a purchase and a
subscription of the enrolled student's to read and cancel, and, for the provider webhooks, requests signed
as each provider signs them, built at the moment they are sent (Stripe's signatures expire in 5 minutes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.support.fuzz_world import FuzzWorld, Role
from tests.support.payments import PLANS, Providers

SignedRequest = tuple[bytes, dict[str, str], dict[str, str]]
WEBHOOK_PATH = "POST /api/v1/payments/webhooks/"
PRICE = "49.00"


def server_env(providers: Providers) -> dict[str, str]:
    """The fuzzed server's payment settings: every provider on its local server, one plan."""
    import json

    return {
        "LMS_STRIPE_SECRET_KEY": providers.stripe.api_key,
        "LMS_STRIPE_WEBHOOK_SECRET": providers.stripe.webhook_secret,
        "LMS_STRIPE_API_BASE": providers.stripe.base_url,
        "LMS_PAYMOB_API_KEY": providers.paymob.api_key,
        "LMS_PAYMOB_HMAC_SECRET": providers.paymob.hmac_secret,
        "LMS_PAYMOB_INTEGRATION_ID": str(providers.paymob.integration_id),
        "LMS_PAYMOB_IFRAME_ID": providers.paymob.iframe_id,
        "LMS_PAYMOB_API_BASE": providers.paymob.base_url,
        "LMS_MYFATOORAH_API_KEY": providers.myfatoorah.api_key,
        "LMS_MYFATOORAH_WEBHOOK_SECRET": providers.myfatoorah.webhook_secret,
        "LMS_MYFATOORAH_API_BASE": providers.myfatoorah.base_url,
        "LMS_SUBSCRIPTION_PLANS": json.dumps(PLANS),
        "LMS_PAYMENT_TIMEOUT_SECONDS": "5",
    }


def seed_payments(world: FuzzWorld, providers: Providers, source_address: str) -> None:
    """Paid courses (one for the fuzzer to buy, one per provider that the enrolled student has bought), the
    purchases' signed provider webhooks, and a subscription of the enrolled student's."""
    transport = httpx.HTTPTransport(local_address=source_address)
    with httpx.Client(base_url=f"{world.base_url}/api/v1", timeout=30, transport=transport) as client:

        def call(method: str, path: str, role: Role, expect: int, **kwargs: Any) -> Any:
            headers = {"Authorization": f"Bearer {world.token(role)}"}
            response = client.request(method, path, headers=headers, **kwargs)
            assert response.status_code == expect, f"seeding {method} {path}: {response.status_code} {response.text}"
            return response.json()

        def paid_course(title: str) -> str:
            course = {"title": f"{title} {world.tag}", "price": PRICE, "currency": "USD"}
            made = call("POST", "/courses", Role.OWNER, 201, json=course)
            lesson = {"title": "Paid reading", "lesson_type": "text", "content": "Words worth paying for."}
            call("POST", f"/courses/{made['id']}/lessons", Role.OWNER, 201, json=lesson)
            call("POST", f"/courses/{made['id']}/publish", Role.OWNER, 200)
            course_id: str = made["id"]
            return course_id

        world.ids["buyable_course"] = paid_course("Buyable")
        requests: dict[str, Callable[[], SignedRequest]] = {}
        for provider in ("stripe", "paymob", "myfatoorah"):
            intent = call(
                "POST",
                "/payments/create-payment-intent",
                Role.ENROLLED,
                201,
                json={"course_id": paid_course(f"Paid via {provider}"), "provider": provider},
            )
            if provider == "stripe":
                world.ids["payment"] = intent["payment"]["id"]
            requests[provider] = _signed_request(providers, provider, intent["payment"]["provider_payment_id"])
        world.bodies["payment_webhooks"] = requests
        subscribed = call("POST", "/payments/create-subscription", Role.ENROLLED, 201, json={"plan_name": "Monthly"})
        world.ids["subscription"] = subscribed["subscription"]["id"]


def _signed_request(providers: Providers, provider: str, provider_payment_id: str) -> Callable[[], SignedRequest]:
    """Pay the purchase at its provider; a function building that payment's webhook, signed now."""
    if provider == "stripe":
        providers.stripe.mark_paid(provider_payment_id)
        intent = providers.stripe.payment_intents[provider_payment_id]

        def stripe() -> SignedRequest:
            signed = providers.stripe.webhook("payment_intent.succeeded", intent)
            return signed.body, signed.headers, signed.query

        return stripe
    if provider == "paymob":
        transaction = providers.paymob.mark_paid(int(provider_payment_id))

        def paymob() -> SignedRequest:
            return providers.paymob.webhook(transaction["id"])

        return paymob
    signed = providers.myfatoorah.mark_paid(provider_payment_id)

    def myfatoorah() -> SignedRequest:
        return signed.body, signed.headers, signed.query

    return myfatoorah


def seeded_webhook(label: str, world: FuzzWorld) -> SignedRequest | None:
    """A signed request for a provider webhook operation (its first delivery grants the course; later ones
    are answered as duplicates or as nothing left to do), or None for other operations."""
    if not label.startswith(WEBHOOK_PATH):
        return None
    build = world.bodies["payment_webhooks"][label.removeprefix(WEBHOOK_PATH)]
    signed: SignedRequest = build()
    return signed
