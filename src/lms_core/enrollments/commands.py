"""Inputs of the enrolments module."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec

from lms_core.enrollments.entities import EnrollmentStatus
from lms_core.shared.commands import Command
from lms_core.shared.errors import InvalidInputError
from lms_core.shared.pagination import PageRequest
from lms_core.shared.text import MultiLineText

# One report covers at most a day: larger values are client bugs, not study time.
SecondsSpent = Annotated[int, msgspec.Meta(ge=0, le=86_400)]
Position = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
Rating = Annotated[int, msgspec.Meta(ge=1, le=5)]
ReviewText = Annotated[MultiLineText, msgspec.Meta(max_length=5000)]


class EnrollInCourse(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    course_id: UUID


class ListMyEnrollments(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    status: EnrollmentStatus | None = None


class UpdateProgress(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A learner's report on one lesson.

    `time_spent_seconds` is added to the time already recorded; `last_position_seconds` replaces the
    stored position; `completion_percentage` only ever raises the stored one (a lower value is
    ignored), and 100 completes the lesson.
    """

    time_spent_seconds: SecondsSpent = 0
    last_position_seconds: Position | None = None
    completion_percentage: Decimal | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        # msgspec has no range constraints for Decimal.
        value = self.completion_percentage
        if value is not None and not (value.is_finite() and 0 <= value <= 100):
            raise InvalidInputError(
                "completion_percentage must be a number from 0 to 100",
                code="request.validation_failed",
                details={"field": "completion_percentage"},
            )


class SubmitReview(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    rating: Rating
    review: ReviewText | None = None


class ListCourseEnrollments(PageRequest, frozen=True, kw_only=True, forbid_unknown_fields=True):
    status: EnrollmentStatus | None = None
