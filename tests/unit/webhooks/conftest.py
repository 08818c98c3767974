from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lms_adapters.bootstrap import open_lms
from lms_core import Actor, CreateWebhookEndpoint, EnrollInCourse, Lms, WebhookSecretIssued
from lms_core.shared.clock import FixedClock
from tests.conftest import make_settings
from tests.support.catalogue import instructor, published_course, student
from tests.support.doubles import RecordingMailer
from tests.support.flows import create_admin

DISABLE_AFTER_DAYS = 2


@pytest.fixture
async def hooks_lms(database_url: str, clock: FixedClock, mailer: RecordingMailer) -> AsyncIterator[Lms]:
    """An engine whose webhooks may reach this machine's loopback receiver (as the operator setting allows)."""
    settings = make_settings(
        database_url, webhook_allow_private_networks=True, webhook_disable_after_days=DISABLE_AFTER_DAYS
    )
    async with open_lms(settings, clock=clock, mailer=mailer) as opened:
        yield opened


@pytest.fixture
async def admin(hooks_lms: Lms) -> Actor:
    return await create_admin(hooks_lms, "hooks-admin@example.com")


async def register_endpoint(lms: Lms, admin: Actor, url: str, *event_types: str) -> WebhookSecretIssued:
    return await lms.webhooks.create_endpoint(
        admin,
        CreateWebhookEndpoint(url=url, event_types=list(event_types or ["enrollments.student_enrolled"])),
    )


async def enrol_someone(lms: Lms, email: str = "learner@example.com") -> None:
    owner = await instructor(lms, f"teacher-{email}")
    course = await published_course(lms, owner, title=f"Course for {email}", lessons=1)
    learner = await student(lms, email)
    await lms.enrollments.enroll(learner, EnrollInCourse(course_id=course.id))
