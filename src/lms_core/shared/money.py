"""Money as an exact `Decimal` amount with an ISO-4217 currency, never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# Minor-unit exponents for currencies that differ from the usual two decimals.
_MINOR_DIGITS: dict[str, int] = {
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "JPY": 0,
    "KRW": 0,
    "CLP": 0,
    "ISK": 0,
    "VND": 0,
    "XAF": 0,
    "XOF": 0,
}


def minor_digits(currency: str) -> int:
    return _MINOR_DIGITS.get(currency, 2)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"currency must be a three-letter ISO-4217 code, got {self.currency!r}")
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        if not self.amount.is_finite():
            raise ValueError("Money.amount must be finite")
        digits = minor_digits(self.currency)
        exponent = Decimal(1).scaleb(-digits)
        try:
            # quantize needs the result to fit the context's 28 digits: 1e28 or 1e400 do not.
            canonical = self.amount.quantize(exponent, rounding=ROUND_HALF_EVEN)
        except InvalidOperation:
            raise ValueError("amount out of range") from None
        if canonical != self.amount:
            raise ValueError(f"{self.currency} amounts have at most {digits} decimals")
        # One written form per amount ("0" and "0.00" are the same price): what a caller gave and what the
        # database gives back serialise alike.
        object.__setattr__(self, "amount", canonical)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        try:
            value = Decimal(amount)
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal amount: {amount!r}") from exc
        return cls(value, currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        return cls(Decimal(units).scaleb(-minor_digits(currency)), currency)

    def to_minor(self) -> int:
        return int(self.amount.scaleb(minor_digits(self.currency)))

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError("cannot add amounts in different currencies")
        return Money(self.amount + other.amount, self.currency)

    @property
    def is_zero(self) -> bool:
        return self.amount == 0
