"""Which seeded object each fuzzed operation aims at, and the tally of what the fuzzing reached.

Random UUIDs in a path only ever meet a 404, so generated path parameters are replaced by the ids of
seeded objects (most calls; some keep their random id, so the 404 paths stay fuzzed). Operations that
destroy or change state aim at objects kept for them (a spare lesson to delete, a droppable enrolment),
so that the operations fuzzed after them still find what they need. A few operations cannot succeed with
a random body (a refresh token, an answer sheet naming the quiz's questions): those get a valid body on
some calls, and the one-click unsubscribe a token signed by the server.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.support.fuzz_world import PASSWORD, FuzzWorld, Role

# Which `FuzzWorld.ids` entry a path parameter takes, unless the operation names its own below.
DEFAULT_TARGETS = {
    "course_id": "course",
    "lesson_id": "text_lesson",
    "enrollment_id": "enrollment",
    "file_id": "file",
    "certificate_id": "certificate",
    "certificate_number": "certificate_number",
    "quiz_id": "quiz",
    "attempt_id": "attempt",
    "user_id": "spare_user",
    "endpoint_id": "webhook_endpoint",
    "delivery_id": "webhook_delivery",
    "payment_id": "payment",
    "subscription_id": "subscription",
}

OPERATION_TARGETS: dict[str, dict[str, str]] = {
    "PATCH /api/v1/courses/{course_id}": {"course_id": "draft_course"},
    "DELETE /api/v1/courses/{course_id}": {"course_id": "deletable_course"},
    "POST /api/v1/courses/{course_id}/publish": {"course_id": "publishable_course"},
    "PATCH /api/v1/lessons/{lesson_id}": {"lesson_id": "video_lesson"},
    "DELETE /api/v1/lessons/{lesson_id}": {"lesson_id": "spare_lesson"},
    "POST /api/v1/enrollments/{enrollment_id}/drop": {"enrollment_id": "droppable_enrollment"},
    "POST /api/v1/certificates/enrollments/{enrollment_id}/generate": {"enrollment_id": "certifiable_enrollment"},
    "DELETE /api/v1/files/{file_id}": {"file_id": "deletable_file"},
    "PATCH /api/v1/courses/{course_id}/quizzes/{quiz_id}": {"course_id": "draft_course", "quiz_id": "draft_quiz"},
    "POST /api/v1/courses/{course_id}/quizzes/{quiz_id}/publish": {
        "course_id": "draft_course",
        "quiz_id": "draft_quiz",
    },
    "POST /api/v1/quizzes/{quiz_id}/questions": {"quiz_id": "draft_quiz"},
    "PATCH /api/v1/quizzes/{quiz_id}/questions/{question_id}": {
        "quiz_id": "draft_quiz",
        "question_id": "draft_question",
    },
    "DELETE /api/v1/quizzes/{quiz_id}/questions/{question_id}": {
        "quiz_id": "draft_quiz",
        "question_id": "spare_question",
    },
    "POST /api/v1/courses/{course_id}/lessons/reorder": {"course_id": "reorderable_course"},
    "POST /api/v1/quizzes/{quiz_id}/questions/reorder": {"quiz_id": "reorderable_quiz"},
    "POST /api/v1/quizzes/{quiz_id}/attempts": {"quiz_id": "start_quiz"},
    "POST /api/v1/quizzes/{quiz_id}/attempts/{attempt_id}/grade": {"attempt_id": "submitted_attempt"},
    "DELETE /api/v1/webhooks/{endpoint_id}": {"endpoint_id": "deletable_webhook_endpoint"},
    # Only the endpoint the module's events were delivered to has a delivery (see fuzz_events.py).
    "GET /api/v1/webhooks/{endpoint_id}/deliveries": {"endpoint_id": "delivered_webhook_endpoint"},
    "POST /api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/resend": {
        "endpoint_id": "delivered_webhook_endpoint"
    },
}

# Every how many calls of an operation keeps its generated path parameters (the not-found paths).
KEEP_RANDOM_EVERY = 4


def seeded_body(label: str, role: Role, world: FuzzWorld, turn: int) -> Any | None:
    """A valid body for operations whose success a generated body rarely reaches, or None. `turn` makes
    the new accounts' addresses unique."""
    newcomer = f"newcomer-{world.tag}-{turn}@example.com"
    email = world.bodies["emails"][Role.ENROLLED if role is Role.ANONYMOUS else role]
    password = PASSWORD
    refresher = world.sessions[Role.ENROLLED if role is Role.ANONYMOUS else role]["refresh"]
    bodies: dict[str, Any] = {
        "POST /api/v1/auth/login": {"email": email, "password": password},
        "POST /api/v1/auth/token": {"username": email, "password": password, "grant_type": "password"},
        "POST /api/v1/auth/refresh": {"refresh_token": refresher.refresh_token},
        "POST /api/v1/auth/forgot-password": {"email": email},
        "POST /api/v1/auth/register": {"email": newcomer, "password": PASSWORD, "full_name": "Newcomer"},
        "POST /api/v1/users": {"email": newcomer, "password": PASSWORD, "full_name": "Newcomer", "role": "student"},
        "POST /api/v1/enrollments": {"course_id": world.ids["course"]},
        "POST /api/v1/courses": {"title": f"Fuzzed course {world.tag} {turn}", "category": "testing"},
        "POST /api/v1/courses/{course_id}/lessons": {
            "title": f"Fuzzed lesson {turn}",
            "lesson_type": "text",
            "content": "A few words.",
        },
        "POST /api/v1/enrollments/{enrollment_id}/review": {"rating": 4, "review": "Clear and short."},
        "POST /api/v1/courses/{course_id}/lessons/reorder": world.bodies["lesson_order"],
        "POST /api/v1/quizzes/{quiz_id}/questions/reorder": world.bodies["question_order"],
        "POST /api/v1/courses/{course_id}/quizzes": {"lesson_id": world.ids["spare_quiz_lesson"], "title": "Late"},
        "PUT /api/v1/quizzes/{quiz_id}/attempts/{attempt_id}/answers": world.bodies["answers"],
        "POST /api/v1/quizzes/{quiz_id}/attempts/{attempt_id}/submit": world.bodies["answers"],
        "POST /api/v1/quizzes/{quiz_id}/attempts/{attempt_id}/grade": world.bodies["grades"],
        # A generated URL is never an http(s) URL that resolves: the seeded one is the local receiver's.
        "POST /api/v1/webhooks": world.bodies["webhook_endpoint"],
        "POST /api/v1/webhooks/{endpoint_id}/rotate-secret": {"grace_seconds": 3600},
        # The amount is the server's; a student buys the paid course seeded for the fuzzer.
        "POST /api/v1/payments/create-payment-intent": {"course_id": world.ids["buyable_course"]},
        "POST /api/v1/payments/create-subscription": {"plan_name": "Monthly"},
        "POST /api/v1/payments/subscriptions/{subscription_id}/cancel": {"at_period_end": True},
    }
    return bodies.get(label)


def seeded_query(label: str, world: FuzzWorld) -> dict[str, str] | None:
    """Valid query parameters for operations whose success a generated query never reaches, or None."""
    if label == "POST /api/v1/notifications/unsubscribe":
        # The token is signed by the server: only one from a real e-mail unsubscribes.
        return {"token": world.bodies["unsubscribe_token"]}
    return None


def seeded_path_parameters(label: str, names: list[str], world: FuzzWorld) -> dict[str, str]:
    targets = {**DEFAULT_TARGETS, **OPERATION_TARGETS.get(label, {})}
    chosen = {name: world.ids[targets[name]] for name in names if name in targets}
    if "question_id" in names and "question_id" not in chosen:
        chosen["question_id"] = world.questions[0]
    return chosen


@dataclass
class Tally:
    """Calls and 2xx answers per role and operation, and every status seen."""

    calls: defaultdict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    successes: defaultdict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    statuses: defaultdict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))

    def record(self, role: Role, label: str, status: int) -> None:
        key = (role.value, label)
        self.calls[key] += 1
        self.statuses[key].add(status)
        if 200 <= status < 300:
            self.successes[key] += 1

    def operations(self) -> list[str]:
        return sorted({label for _, label in self.calls}, key=lambda label: (label.split(" ")[1], label))

    def table(self) -> str:
        roles = [role.value for role in Role]
        width = max((len(label) for label in self.operations()), default=10)
        header = f"{'operation':<{width}} " + " ".join(f"{role[:10]:>10}" for role in roles)
        lines = ["2xx answers / calls per role and operation", header, "-" * len(header)]
        for label in self.operations():
            cells = []
            for role in roles:
                key = (role, label)
                cells.append(f"{self.successes[key]}/{self.calls[key]}" if key in self.calls else "-")
            lines.append(f"{label:<{width}} " + " ".join(f"{cell:>10}" for cell in cells))
        for role in roles:
            reached = {label for (who, label), count in self.successes.items() if who == role and count}
            fuzzed = {label for who, label in self.calls if who == role}
            if fuzzed:
                lines.append(f"{role}: {len(reached)} of {len(fuzzed)} operations reached a 2xx")
        return "\n".join(lines)


def profile() -> str:
    """`fast` (CI, the default) or `deep` (`nox -s fuzz`), from LMS_FUZZ_PROFILE."""
    chosen = os.environ.get("LMS_FUZZ_PROFILE", "fast")
    assert chosen in ("fast", "deep"), f"LMS_FUZZ_PROFILE must be fast or deep, not {chosen!r}"
    return chosen
