"""Tax on purchases: a VAT rate per currency from settings (`LMS_TAX_RATES`), none by default."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lms_adapters.settings import ConfigurationError
from lms_core.shared.money import Money, minor_digits


class RateTaxPolicy:
    """`amount x rate`, rounded half up to the currency's minor unit (how VAT is usually rounded per invoice)."""

    def __init__(self, rates: Mapping[str, Decimal]) -> None:
        self._rates = dict(rates)

    @classmethod
    def from_setting(cls, raw: Mapping[str, str]) -> RateTaxPolicy:
        rates: dict[str, Decimal] = {}
        for currency, text in raw.items():
            try:
                rate = Decimal(str(text))
            except InvalidOperation:
                raise ConfigurationError(f"LMS_TAX_RATES: {currency}: {text!r} is not a decimal rate") from None
            if len(currency) != 3 or not currency.isupper() or not rate.is_finite() or not 0 <= rate < 1:
                raise ConfigurationError(
                    f"LMS_TAX_RATES: {currency}: {text!r}; give ISO-4217 codes and rates from 0 to under 1 "
                    "(0.14 for 14%)"
                )
            rates[currency] = rate
        return cls(rates)

    def tax_for(self, amount: Money) -> Money:
        rate = self._rates.get(amount.currency, Decimal(0))
        exponent = Decimal(1).scaleb(-minor_digits(amount.currency))
        return Money((amount.amount * rate).quantize(exponent, rounding=ROUND_HALF_UP), amount.currency)
