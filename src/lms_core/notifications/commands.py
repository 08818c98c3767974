"""Inputs of the notifications module."""

from __future__ import annotations

from typing import Annotated

import msgspec

from lms_core.shared.commands import Command

MAX_INACTIVE_DAYS = 365


class SendWeeklyProgress(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Send this ISO week's progress summary to every learner with a course in progress who has not had it."""

    dry_run: bool = False


class SendReminders(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Remind the learners of the active enrolments nobody has worked on for `inactive_days` days or more."""

    inactive_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_INACTIVE_DAYS)] = 7
    dry_run: bool = False


class Unsubscribe(Command, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Leave the mailing list named by the signed token of an e-mail's unsubscribe link."""

    token: Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
