"""What each event type sends: a table of event class -> payload builder. Adding an event is one line.

A payload is `{"type", "id", "version", "timestamp", "data"}`; `data` is what the builder returns. Builders
read the event alone (no database), so the body is fixed when the event is fanned out and identical on
every attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import msgspec

from lms_core.certificates.events import CertificateIssued, CertificateRevoked
from lms_core.enrollments.events import EnrollmentCompleted, EnrollmentDropped, StudentEnrolled
from lms_core.payments.events import PaymentRefunded, PaymentSucceeded, SubscriptionChanged
from lms_core.shared.events import DomainEvent

# Bumped only for a change a receiver could trip on (a field removed or changing meaning); added fields
# keep the version.
PAYLOAD_VERSION = 1

PayloadBuilder = Callable[[DomainEvent], dict[str, Any]]


def event_fields(event: DomainEvent) -> dict[str, Any]:
    """The event's own fields, ids as strings; its `event_id` travels as the payload's `id`."""
    data: dict[str, Any] = msgspec.to_builtins(event)
    data.pop("event_id", None)
    return data


PAYLOAD_BUILDERS: Mapping[type[DomainEvent], PayloadBuilder] = {
    StudentEnrolled: event_fields,
    EnrollmentCompleted: event_fields,
    EnrollmentDropped: event_fields,
    CertificateIssued: event_fields,
    CertificateRevoked: event_fields,
    PaymentSucceeded: event_fields,
    PaymentRefunded: event_fields,
    SubscriptionChanged: event_fields,
}


def payload_body(event: DomainEvent, builder: PayloadBuilder, *, timestamp: datetime) -> str:
    """The JSON body sent for `event`: compact, keys in a fixed order."""
    payload = {
        "type": event.event_type,
        "id": str(event.event_id),
        "version": PAYLOAD_VERSION,
        "timestamp": timestamp.isoformat().replace("+00:00", "Z"),
        "data": builder(event),
    }
    return msgspec.json.encode(payload).decode()
