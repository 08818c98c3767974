"""An engine's payment settings pointing at the local Stripe, Paymob and MyFatoorah servers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

from lms_adapters.settings import Settings
from tests.conftest import make_settings
from tests.support.providers.myfatoorah_server import FakeMyFatoorah, running_myfatoorah_server
from tests.support.providers.paymob_server import FakePaymob, running_paymob_server
from tests.support.providers.stripe_server import FakeStripe, running_stripe_server

PLANS = [
    {"name": "Monthly", "price_id": "price_monthly", "price": "15.00", "currency": "USD", "interval": "month"},
]


@dataclass(frozen=True)
class Providers:
    stripe: FakeStripe
    paymob: FakePaymob
    myfatoorah: FakeMyFatoorah


def running_providers() -> Iterator[Providers]:
    """The three provider servers, each on its own free port, for the duration of the generator."""
    with ExitStack() as stack:
        yield Providers(
            stripe=stack.enter_context(running_stripe_server()),
            paymob=stack.enter_context(running_paymob_server()),
            myfatoorah=stack.enter_context(running_myfatoorah_server()),
        )


def payment_settings(database_url: str, providers: Providers, *, with_paymob: bool = True) -> Settings:
    """Settings of an engine that pays through the local servers (Paymob's keys left out on request)."""
    paymob = providers.paymob
    paymob_keys: dict[str, object] = (
        {
            "paymob_api_key": paymob.api_key,
            "paymob_hmac_secret": paymob.hmac_secret,
            "paymob_integration_id": str(paymob.integration_id),
            "paymob_iframe_id": paymob.iframe_id,
            "paymob_api_base": paymob.base_url,
        }
        if with_paymob
        else {}
    )
    return make_settings(
        database_url,
        stripe_secret_key=providers.stripe.api_key,
        stripe_webhook_secret=providers.stripe.webhook_secret,
        stripe_api_base=providers.stripe.base_url,
        myfatoorah_api_key=providers.myfatoorah.api_key,
        myfatoorah_webhook_secret=providers.myfatoorah.webhook_secret,
        myfatoorah_api_base=providers.myfatoorah.base_url,
        subscription_plans=PLANS,
        payment_timeout_seconds=2.0,
        **paymob_keys,
    )
