"""Which payment providers this deployment has (those with their keys set), its plans and its tax."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from decimal import Decimal, InvalidOperation
from importlib import import_module
from typing import Protocol

import msgspec

from lms_adapters.settings import ConfigurationError, Settings
from lms_core.payments.entities import Provider
from lms_core.payments.ports import PaymentGateway, SubscriptionPlan

log = logging.getLogger("lms.payments")


# Each provider's adapter and the settings it needs: its module is imported only when they are set, so an
# engine without payments never loads the Stripe SDK.
_GATEWAYS: dict[Provider, tuple[str, str, tuple[str, ...]]] = {
    Provider.STRIPE: ("lms_adapters.payments.stripe", "StripeGateway", ("stripe_secret_key", "stripe_webhook_secret")),
    Provider.PAYMOB: (
        "lms_adapters.payments.paymob",
        "PaymobGateway",
        ("paymob_api_key", "paymob_hmac_secret", "paymob_integration_id", "paymob_iframe_id"),
    ),
    Provider.MYFATOORAH: (
        "lms_adapters.payments.myfatoorah",
        "MyFatoorahGateway",
        ("myfatoorah_api_key", "myfatoorah_webhook_secret"),
    ),
}


class ClosableGateway(PaymentGateway, Protocol):
    """A gateway holding HTTP connections, closed when the engine closes."""

    async def aclose(self) -> None: ...


async def open_payment_gateways(settings: Settings) -> AsyncIterator[dict[Provider, ClosableGateway]]:
    """The gateways of the providers whose keys are set; their HTTP clients are closed on exit. A provider
    without keys is left out: asking for it is `payments.provider_not_configured`, not a crash. One with
    some of its keys only is left out with a warning naming the missing ones."""
    gateways: dict[Provider, ClosableGateway] = {}
    for provider, (module, class_name, keys) in _GATEWAYS.items():
        missing = [f"LMS_{key.upper()}" for key in keys if not getattr(settings, key)]
        if len(missing) == len(keys):
            continue
        if missing:
            log.warning("%s payments are off: %s not set", provider.value, ", ".join(missing))
            continue
        gateway_class = getattr(import_module(module), class_name)
        try:
            gateways[provider] = gateway_class.from_settings(settings)
        except ValueError as exc:
            raise ConfigurationError(f"{provider.value} payments: {exc}") from exc
    try:
        yield gateways
    finally:
        for gateway in gateways.values():
            await gateway.aclose()


def default_provider(settings: Settings) -> Provider:
    try:
        return Provider(settings.payment_provider.strip().lower())
    except ValueError:
        raise ConfigurationError(
            f"LMS_PAYMENT_PROVIDER: {settings.payment_provider!r}; use stripe, paymob or myfatoorah"
        ) from None


def subscription_plans(settings: Settings) -> list[SubscriptionPlan]:
    """`LMS_SUBSCRIPTION_PLANS` read and checked: a broken plan stops the engine at start-up."""
    plans: list[SubscriptionPlan] = []
    for number, raw in enumerate(settings.subscription_plans, start=1):
        try:
            price = Decimal(str(raw.get("price")))
            plan = msgspec.convert({**raw, "price": price}, SubscriptionPlan, strict=False)
        except (msgspec.ValidationError, InvalidOperation, TypeError) as exc:
            raise ConfigurationError(f"LMS_SUBSCRIPTION_PLANS: plan {number} is not valid: {exc}") from None
        if plan.interval not in ("month", "year") or not price.is_finite() or price <= 0:
            raise ConfigurationError(
                f"LMS_SUBSCRIPTION_PLANS: plan {plan.name!r} needs a positive price and an interval of month or year"
            )
        plans.append(plan)
    if len({plan.name for plan in plans}) != len(plans):
        raise ConfigurationError("LMS_SUBSCRIPTION_PLANS: plan names must be unique")
    return plans
