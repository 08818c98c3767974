"""`lms payments reconcile`: a payment paid at the provider whose webhook never came is applied, on SQLite and
PostgreSQL, against a local server speaking Stripe's protocol."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from lms_adapters.bootstrap import open_lms
from lms_adapters.persistence.models import enrollments, payments
from lms_core import CreatePaymentIntent, UpdateCourse
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.attempts import table_rows
from tests.support.catalogue import instructor, published_course, student
from tests.support.cli import cli_env, invoke
from tests.support.providers.stripe_server import FakeStripe, running_stripe_server


def _stripe(fake: FakeStripe) -> dict[str, str]:
    return {
        "stripe_secret_key": fake.api_key,
        "stripe_webhook_secret": fake.webhook_secret,
        "stripe_api_base": fake.base_url,
    }


async def _pending_purchases(database_url: str, fake: FakeStripe, learners: int) -> list[str]:
    """`learners` students start buying one paid course 20 minutes ago; the provider ids of their payments."""
    clock = FixedClock(datetime.now(UTC) - timedelta(minutes=20))
    async with open_lms(make_settings(database_url, **_stripe(fake)), clock=clock) as lms:
        teacher = await instructor(lms)
        course = await published_course(lms, teacher, "Paid")
        await lms.courses.update_course(teacher, course.id, UpdateCourse(price=Decimal("25.00"), currency="USD"))
        ids = []
        for number in range(learners):
            buyer = await student(lms, f"buyer{number}@example.com")
            intent = await lms.payments.create_payment_intent(buyer, CreatePaymentIntent(course_id=course.id))
            assert intent.payment.provider_payment_id is not None
            ids.append(intent.payment.provider_payment_id)
        return ids


def _env(database_url: str, tmp_path: Path, fake: FakeStripe) -> dict[str, str]:
    return cli_env(
        database_url,
        tmp_path,
        LMS_STRIPE_SECRET_KEY=fake.api_key,
        LMS_STRIPE_WEBHOOK_SECRET=fake.webhook_secret,
        LMS_STRIPE_API_BASE=fake.base_url,
        LMS_PAYMENT_TIMEOUT_SECONDS="2",
    )


def test_reconcile_applies_what_the_provider_says_about_pending_payments(database_url: str, tmp_path: Path) -> None:
    with running_stripe_server() as fake:
        paid, declined, untouched = asyncio.run(_pending_purchases(database_url, fake, 3))
        fake.mark_paid(paid)  # the webhooks are never delivered
        fake.mark_failed(declined)
        env = _env(database_url, tmp_path, fake)

        code, out, err = invoke(["payments", "reconcile", "--json"], env)
        assert code == 0, err
        assert json.loads(out) == {
            "checked": 3, "succeeded": 1, "failed": 1, "refunded": 0, "still_pending": 1, "errors": 0
        }  # fmt: skip
        statuses = {
            row["provider_payment_id"]: row["status"] for row in asyncio.run(table_rows(database_url, payments))
        }
        assert statuses == {paid: "succeeded", declined: "failed", untouched: "pending"}
        [enrolment] = asyncio.run(table_rows(database_url, enrollments))
        assert (enrolment["status"], enrolment["access_source"]) == ("active", "payment")

        # Run again: nothing left to change; younger payments are not asked about.
        code, out, err = invoke(["payments", "reconcile", "--older-than", "1h"], env)
        assert code == 0, err
        assert out.strip() == (
            "checked 0 pending payment(s): 0 succeeded, 0 failed, 0 refunded, 0 still pending, 0 provider error(s)"
        )


def test_an_unreachable_provider_is_counted_and_its_payments_stay_pending(database_url: str, tmp_path: Path) -> None:
    with running_stripe_server() as fake:
        [payment] = asyncio.run(_pending_purchases(database_url, fake, 1))
        fake.mark_paid(payment)
        fake.fail_next(status=503, count=2)  # the SDK's try and its one retry
        code, out, err = invoke(["payments", "reconcile", "--json"], _env(database_url, tmp_path, fake))
        assert code == 0, err
        assert json.loads(out)["errors"] == 1
        [row] = asyncio.run(table_rows(database_url, payments))
        assert row["status"] == "pending"


def test_a_malformed_duration_is_refused_before_anything_runs(database_url: str, tmp_path: Path) -> None:
    code, _, err = invoke(["payments", "reconcile", "--older-than", "soon"], cli_env(database_url, tmp_path))
    assert code == 2
    assert "give a duration such as 900, 90s, 15m, 2h or 1d" in err
