"""The revenue summary against the payments table, on SQLite and PostgreSQL: every figure equals the sum of
the rows it covers, computed here independently and exactly in Decimal, in each currency's own minor units."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_adapters.persistence.engine import create_engine
from lms_adapters.persistence.models import payments
from lms_core import InvalidDateRange, Lms, NotPaymentsAdmin, Provider, RevenueQuery, RevenueSummary
from lms_core.payments.views import RevenueByMonth, RevenueByProvider, RevenueTotal
from lms_core.shared.actor import Actor, Role
from lms_core.shared.ids import UserId
from tests.support.catalogue import instructor, student

# Written out here rather than taken from the code under test: the figures are checked against them.
DECIMALS = {"USD": 2, "EGP": 2, "KWD": 3, "JPY": 0}
ADMIN = Actor.user(UserId(uuid4()), Role.ADMIN)
EARLIEST = datetime(2025, 11, 1, tzinfo=UTC)
LATEST = datetime(2026, 5, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    currency: str
    provider: Provider
    status: str  # succeeded, refunded, failed or pending
    total_minor: int
    tax_minor: int
    processed_at: datetime | None
    refunded_at: datetime | None


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def buyer(lms: Lms) -> UUID:
    return (await student(lms)).require_user()


async def store(engine: AsyncEngine, buyer: UUID, rows: list[Row]) -> None:
    """Put the rows in the payments table, as they would be after their provider reported them."""
    async with engine.begin() as connection:
        await connection.execute(delete(payments))
        for number, row in enumerate(rows):
            created = row.processed_at or EARLIEST
            await connection.execute(
                insert(payments).values(
                    id=uuid4(),
                    user_id=buyer,
                    course_id=None,
                    provider=row.provider.value,
                    provider_payment_id=f"{row.provider.value}_{number}",
                    payment_type="one_time",
                    currency=row.currency,
                    amount_minor=row.total_minor - row.tax_minor,
                    tax_minor=row.tax_minor,
                    total_minor=row.total_minor,
                    status=row.status,
                    payment_metadata={},
                    created_at=created,
                    updated_at=row.refunded_at or created,
                    processed_at=row.processed_at,
                    refunded_at=row.refunded_at,
                )
            )


def amount(minor: int, currency: str) -> Decimal:
    return Decimal(minor) / (Decimal(10) ** DECIMALS[currency])


def expected(rows: list[Row], since: datetime, until: datetime) -> dict[str, Any]:
    """What the summary must say: gross by when a payment succeeded, refunds by when they were refunded."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    providers: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    months: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if row.status in ("succeeded", "refunded") and row.processed_at and since <= row.processed_at < until:
            totals[row.currency][0] += row.total_minor
            totals[row.currency][2] += 1
            providers[(row.provider.value, row.currency)][0] += row.total_minor
            months[(f"{row.processed_at.year:04d}-{row.processed_at.month:02d}", row.currency)][0] += row.total_minor
        if row.status == "refunded" and row.refunded_at and since <= row.refunded_at < until:
            totals[row.currency][1] += row.total_minor
            totals[row.currency][3] += 1
            providers[(row.provider.value, row.currency)][1] += row.total_minor
            months[(f"{row.refunded_at.year:04d}-{row.refunded_at.month:02d}", row.currency)][1] += row.total_minor
    return {
        "totals": {
            currency: (amount(g, currency), amount(r, currency), amount(g - r, currency), n, m)
            for currency, (g, r, n, m) in totals.items()
        },
        "by_provider": {
            key: (amount(g, key[1]), amount(r, key[1]), amount(g - r, key[1])) for key, (g, r) in providers.items()
        },
        "by_month": {
            key: (amount(g, key[1]), amount(r, key[1]), amount(g - r, key[1])) for key, (g, r) in months.items()
        },
    }


def reported(summary: RevenueSummary) -> dict[str, Any]:
    figures: list[RevenueTotal | RevenueByProvider | RevenueByMonth] = [
        *summary.totals,
        *summary.by_provider,
        *summary.by_month,
    ]
    for figure in figures:
        for value in (figure.gross, figure.refunded, figure.net):
            assert isinstance(value, Decimal)
            # Each amount in its currency's own minor unit: 3 decimals for KWD, none for JPY.
            assert value.as_tuple().exponent == -DECIMALS[figure.currency], figure
    return {
        "totals": {t.currency: (t.gross, t.refunded, t.net, t.payments, t.refunds) for t in summary.totals},
        "by_provider": {(p.provider.value, p.currency): (p.gross, p.refunded, p.net) for p in summary.by_provider},
        "by_month": {(m.month, m.currency): (m.gross, m.refunded, m.net) for m in summary.by_month},
    }


def in_order(summary: RevenueSummary) -> bool:
    return (
        [t.currency for t in summary.totals] == sorted(t.currency for t in summary.totals)
        and [(p.provider.value, p.currency) for p in summary.by_provider]
        == sorted((p.provider.value, p.currency) for p in summary.by_provider)
        and [(m.month, m.currency) for m in summary.by_month] == sorted((m.month, m.currency) for m in summary.by_month)
    )


instants = st.datetimes(
    min_value=EARLIEST.replace(tzinfo=None), max_value=LATEST.replace(tzinfo=None), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))


@st.composite
def windows(draw: st.DrawFn) -> tuple[datetime, datetime]:
    since = draw(instants)
    until = draw(instants.filter(lambda moment: moment != since))
    return (since, until) if since < until else (until, since)


@st.composite
def payment_rows(draw: st.DrawFn, since: datetime, until: datetime) -> Row:
    currency = draw(st.sampled_from(sorted(DECIMALS)))
    status = draw(st.sampled_from(["succeeded", "succeeded", "refunded", "refunded", "failed", "pending"]))
    total = draw(st.integers(min_value=0, max_value=10**11))
    tax = draw(st.integers(min_value=0, max_value=total))
    # The window's own edges are drawn often: `since` is in the range, `until` is not.
    moment = st.one_of(st.just(since), st.just(until), instants)
    processed = draw(moment) if status in ("succeeded", "refunded") else None
    refunded = None
    if status == "refunded":
        assert processed is not None
        refunded = draw(st.one_of(st.just(until), st.just(since), instants).filter(lambda m: m >= processed))
    return Row(currency, draw(st.sampled_from(list(Provider))), status, total, tax, processed, refunded)


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[datetime, datetime, list[Row]]:
    since, until = draw(windows())
    rows = draw(st.lists(payment_rows(since, until), max_size=14))
    return since, until, rows


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=ledgers())
async def test_the_summary_is_the_exact_sum_of_the_payments_it_covers(
    lms: Lms, engine: AsyncEngine, buyer: UUID, ledger: tuple[datetime, datetime, list[Row]]
) -> None:
    since, until, rows = ledger
    await store(engine, buyer, rows)
    summary = await lms.payments.revenue_summary(ADMIN, RevenueQuery(since=since, until=until))
    assert (summary.since, summary.until) == (since, until)
    assert reported(summary) == expected(rows, since, until)
    assert in_order(summary)


async def test_a_refund_in_a_later_month_nets_that_month(lms: Lms, engine: AsyncEngine, buyer: UUID) -> None:
    sold = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)
    rows = [
        Row("KWD", Provider.MYFATOORAH, "refunded", 12_345, 0, sold, datetime(2026, 5, 2, 8, tzinfo=UTC)),
        Row("KWD", Provider.MYFATOORAH, "succeeded", 1_000, 0, datetime(2026, 5, 3, tzinfo=UTC), None),
    ]
    await store(engine, buyer, rows)
    summary = await lms.payments.revenue_summary(
        ADMIN, RevenueQuery(since=datetime(2026, 4, 1, tzinfo=UTC), until=datetime(2026, 6, 1, tzinfo=UTC))
    )
    assert [(m.month, m.gross, m.refunded, m.net) for m in summary.by_month] == [
        ("2026-04", Decimal("12.345"), Decimal("0.000"), Decimal("12.345")),
        ("2026-05", Decimal("1.000"), Decimal("12.345"), Decimal("-11.345")),
    ]
    [total] = summary.totals
    assert (total.currency, total.gross, total.refunded, total.net, total.payments, total.refunds) == (
        "KWD",
        Decimal("13.345"),
        Decimal("12.345"),
        Decimal("1.000"),
        2,
        1,
    )
    # A window that ends before the refund shows the sale alone.
    april = await lms.payments.revenue_summary(
        ADMIN, RevenueQuery(since=datetime(2026, 4, 1, tzinfo=UTC), until=datetime(2026, 5, 1, tzinfo=UTC))
    )
    assert [(t.gross, t.refunded, t.net) for t in april.totals] == [
        (Decimal("12.345"), Decimal("0.000"), Decimal("12.345"))
    ]


async def test_since_is_included_and_until_is_not(lms: Lms, engine: AsyncEngine, buyer: UUID) -> None:
    since, until = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    rows = [
        Row("JPY", Provider.STRIPE, "succeeded", 5_000, 0, since, None),
        Row("JPY", Provider.STRIPE, "succeeded", 700, 0, until, None),
        Row("JPY", Provider.STRIPE, "refunded", 300, 0, since, until),
        Row("JPY", Provider.STRIPE, "succeeded", 1, 0, until - timedelta(seconds=1), None),
    ]
    await store(engine, buyer, rows)
    summary = await lms.payments.revenue_summary(ADMIN, RevenueQuery(since=since, until=until))
    [total] = summary.totals
    assert (total.gross, total.refunded, total.net, total.payments, total.refunds) == (
        Decimal("5301"),
        Decimal("0"),
        Decimal("5301"),
        3,
        0,
    )
    assert [(p.provider, p.gross) for p in summary.by_provider] == [(Provider.STRIPE, Decimal("5301"))]


async def test_revenue_is_for_admins_and_needs_a_forward_range(lms: Lms) -> None:
    for outsider in (await student(lms), await instructor(lms)):
        with pytest.raises(NotPaymentsAdmin):
            await lms.payments.revenue_summary(outsider, RevenueQuery())
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    for since, until in ((moment, moment), (moment, moment - timedelta(seconds=1))):
        with pytest.raises(InvalidDateRange):
            await lms.payments.revenue_summary(ADMIN, RevenueQuery(since=since, until=until))
    for naive in (RevenueQuery(since=datetime(2026, 3, 1)), RevenueQuery(until=datetime(2026, 3, 1))):
        with pytest.raises(InvalidDateRange):
            await lms.payments.revenue_summary(ADMIN, naive)
    # Without bounds: the year up to now.
    summary = await lms.payments.revenue_summary(Actor.system(), RevenueQuery())
    assert summary.until - summary.since == timedelta(days=365)
    assert summary.totals == []
