"""Which payment providers this deployment has (those with their keys set), its plans and its tax."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from decimal import Decimal, InvalidOperation

import msgspec

from lms_adapters.settings import ConfigurationError, Settings
from lms_core.payments.entities import Provider
from lms_core.payments.ports import PaymentGateway, SubscriptionPlan

log = logging.getLogger("lms.payments")


async def open_payment_gateways(settings: Settings) -> AsyncIterator[dict[Provider, PaymentGateway]]:
    """The gateways of the providers whose keys are set; their HTTP clients are closed on exit. A provider
    without keys is left out: asking for it is `payments.provider_not_configured`, not a crash."""
    from lms_adapters.payments.myfatoorah import MyFatoorahGateway
    from lms_adapters.payments.paymob import PaymobGateway
    from lms_adapters.payments.stripe import StripeGateway

    built = {
        Provider.STRIPE: StripeGateway.from_settings(settings),
        Provider.PAYMOB: PaymobGateway.from_settings(settings),
        Provider.MYFATOORAH: MyFatoorahGateway.from_settings(settings),
    }
    gateways: dict[Provider, PaymentGateway] = {p: g for p, g in built.items() if g is not None}
    try:
        yield gateways
    finally:
        for gateway in built.values():
            if gateway is not None:
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
