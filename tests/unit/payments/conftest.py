"""An engine with Stripe and MyFatoorah configured against local servers speaking their protocols."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from lms_adapters.bootstrap import open_lms
from lms_core import Actor, CourseView, Lms, UpdateCourse
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.catalogue import instructor, published_course, student
from tests.support.doubles import RecordingMailer
from tests.support.providers.myfatoorah_server import FakeMyFatoorah, running_myfatoorah_server
from tests.support.providers.stripe_server import FakeStripe, running_stripe_server

PLANS = [
    {"name": "Monthly", "price_id": "price_monthly", "price": "15.00", "currency": "USD", "interval": "month"},
]


@dataclass
class Shop:
    lms: Lms
    stripe: FakeStripe
    myfatoorah: FakeMyFatoorah
    clock: FixedClock
    teacher: Actor
    learner: Actor
    course: CourseView  # published, 49.00 USD


@pytest.fixture
def stripe_server() -> Iterator[FakeStripe]:
    with running_stripe_server() as server:
        yield server


@pytest.fixture
def myfatoorah_server() -> Iterator[FakeMyFatoorah]:
    with running_myfatoorah_server() as server:
        yield server


@pytest.fixture
def real_time_clock() -> FixedClock:
    """Now: the providers sign their webhooks with the real time, which the signature check compares with."""
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def shop(
    database_url: str,
    real_time_clock: FixedClock,
    mailer: RecordingMailer,
    stripe_server: FakeStripe,
    myfatoorah_server: FakeMyFatoorah,
) -> AsyncIterator[Shop]:
    settings = make_settings(
        database_url,
        stripe_secret_key=stripe_server.api_key,
        stripe_webhook_secret=stripe_server.webhook_secret,
        stripe_api_base=stripe_server.base_url,
        myfatoorah_api_key=myfatoorah_server.api_key,
        myfatoorah_webhook_secret=myfatoorah_server.webhook_secret,
        myfatoorah_api_base=myfatoorah_server.base_url,
        subscription_plans=PLANS,
        tax_rates={"EGP": "0.14"},
        payment_timeout_seconds=2.0,
    )
    async with open_lms(settings, clock=real_time_clock, mailer=mailer) as lms:
        teacher = await instructor(lms)
        course = await published_course(lms, teacher, "Paid Python")
        course = await lms.courses.update_course(
            teacher, course.id, UpdateCourse(price=Decimal("49.00"), currency="USD")
        )
        yield Shop(
            lms=lms,
            stripe=stripe_server,
            myfatoorah=myfatoorah_server,
            clock=real_time_clock,
            teacher=teacher,
            learner=await student(lms),
            course=course,
        )
