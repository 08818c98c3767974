"""Which providers an engine has, its plans and its tax, from the settings: a provider without keys is off
(asking for it is a clear error), a half-configured one is off with a warning, a malformed setting stops the
engine at start-up with the variable's name."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from decimal import Decimal

import pytest

from lms_adapters.bootstrap import open_lms
from lms_adapters.payments.tax import RateTaxPolicy
from lms_adapters.payments.wiring import default_provider, open_payment_gateways, subscription_plans
from lms_adapters.settings import ConfigurationError, Settings
from lms_core import CreatePaymentIntent, Provider, ProviderNotConfigured
from lms_core.shared.money import Money
from tests.conftest import make_settings
from tests.support.catalogue import student

PAYMOB = {"paymob_api_key": "k", "paymob_hmac_secret": "h", "paymob_integration_id": "12", "paymob_iframe_id": "3"}


async def configured(settings: Settings) -> list[Provider]:
    async with asynccontextmanager(open_payment_gateways)(settings) as gateways:
        return sorted(gateways)


async def test_only_providers_with_all_their_keys_are_on(caplog: pytest.LogCaptureFixture) -> None:
    assert await configured(Settings()) == []
    both = Settings(stripe_secret_key="sk_test_x", stripe_webhook_secret="whsec_x", **PAYMOB)  # type: ignore[arg-type]
    assert await configured(both) == [Provider.PAYMOB, Provider.STRIPE]
    with caplog.at_level(logging.WARNING, logger="lms.payments"):
        half = Settings(stripe_secret_key="sk_test_x", myfatoorah_webhook_secret="s")
        assert await configured(half) == []
    assert "stripe payments are off: LMS_STRIPE_WEBHOOK_SECRET not set" in caplog.text
    assert "myfatoorah payments are off: LMS_MYFATOORAH_API_KEY not set" in caplog.text


async def test_a_provider_without_keys_answers_a_clear_error_and_changes_nothing(database_url: str) -> None:
    async with open_lms(make_settings(database_url)) as lms:
        learner = await student(lms)
        with pytest.raises(ProviderNotConfigured) as caught:
            await lms.payments.create_payment_intent(
                learner, CreatePaymentIntent(course_id=learner.require_user(), provider=Provider.PAYMOB)
            )
    assert caught.value.code == "payments.provider_not_configured"
    assert caught.value.details == {"provider": "paymob", "configured": []}


async def test_a_paymob_integration_id_that_is_not_a_number_stops_the_engine() -> None:
    with pytest.raises(ConfigurationError, match="paymob payments"):
        await configured(Settings(**{**PAYMOB, "paymob_integration_id": "card"}))  # type: ignore[arg-type]


def test_the_default_provider_is_one_of_the_three() -> None:
    assert default_provider(Settings(payment_provider=" MyFatoorah ")) is Provider.MYFATOORAH
    with pytest.raises(ConfigurationError, match="LMS_PAYMENT_PROVIDER: 'paypal'"):
        default_provider(Settings(payment_provider="paypal"))


def test_plans_are_read_from_json_and_checked() -> None:
    env = {"LMS_SUBSCRIPTION_PLANS": '[{"name": "Yearly", "price_id": "price_y", "price": "190.00", '
                                     '"currency": "USD", "interval": "year"}]'}  # fmt: skip
    [plan] = subscription_plans(Settings.from_env(env))
    assert (plan.name, plan.price, plan.interval, plan.provider) == (
        "Yearly",
        Decimal("190.00"),
        "year",
        Provider.STRIPE,
    )
    bad = [
        [{"name": "Weekly", "price_id": "p", "price": "1", "currency": "USD", "interval": "week"}],
        [{"name": "Free", "price_id": "p", "price": "0", "currency": "USD", "interval": "month"}],
        [{"name": "Odd", "price_id": "p", "price": "ten", "currency": "USD", "interval": "month"}],
        [{"name": "Twice", "price_id": "p", "price": "1", "currency": "USD", "interval": "month"}] * 2,
    ]
    for plans in bad:
        with pytest.raises(ConfigurationError, match="LMS_SUBSCRIPTION_PLANS"):
            subscription_plans(Settings(subscription_plans=plans))
    with pytest.raises(ConfigurationError, match="LMS_SUBSCRIPTION_PLANS must be a JSON list"):
        Settings.from_env({"LMS_SUBSCRIPTION_PLANS": '{"name": "Monthly"}'})


def test_tax_is_the_currencys_rate_rounded_half_up_to_its_minor_unit() -> None:
    tax = RateTaxPolicy.from_setting({"EGP": "0.14", "KWD": "0.05"})
    assert tax.tax_for(Money.of("100.00", "EGP")) == Money.of("14.00", "EGP")
    assert tax.tax_for(Money.of("0.25", "EGP")) == Money.of("0.04", "EGP")  # 0.035 rounds up
    assert tax.tax_for(Money.of("1.111", "KWD")) == Money.of("0.056", "KWD")  # 0.05555 -> 0.056
    assert tax.tax_for(Money.of("49.00", "USD")) == Money.of("0.00", "USD")
    for rates in ({"EGP": "14%"}, {"EGP": "1.5"}, {"egp": "0.1"}, {"EGP": "-0.1"}):
        with pytest.raises(ConfigurationError, match="LMS_TAX_RATES"):
            RateTaxPolicy.from_setting(rates)
