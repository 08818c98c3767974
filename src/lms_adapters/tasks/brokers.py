"""The taskiq brokers that carry outbox deliveries, chosen by `LMS_BROKER_URL`, and the delivery task."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from lms_adapters.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask

    from lms_core.shared.outbox import OutboxRelay

# The task carries a batch of event ids; its name changed when tasks went from one event to a batch, so a
# worker never mistakes a task of the older shape for one of its own (the outbox re-queues such events).
DELIVER_TASK = "lms.outbox.deliver_batch"
STREAM = "lms:tasks"
CONSUMER_GROUP = "lms-workers"
# The stream is trimmed (approximately) past this many entries, so it does not grow forever; the outbox
# keeps every event that still has to be delivered, whatever the stream loses.
STREAM_MAX_ENTRIES = 1_000_000


def uses_external_broker(settings: Settings) -> bool:
    """True when tasks go through a broker to `lms worker` processes rather than run in this process."""
    return bool(settings.broker_url)


def build_broker(settings: Settings, *, prefetch: int = 16) -> AsyncBroker:
    """The broker `LMS_BROKER_URL` names: taskiq's in-memory broker when it is empty, a Redis stream for
    `redis://` (`rediss://`) URLs. Anything else is a configuration error.

    Redis streams acknowledge a task only once it has run, so a task a killed worker had taken is handed to
    another worker once it has been idle for a claim's length (`LMS_OUTBOX_CLAIM_SECONDS`).
    """
    url = settings.broker_url
    if not url:
        from taskiq import InMemoryBroker

        return InMemoryBroker(await_inplace=False)
    scheme = url.partition("://")[0].lower()
    if scheme in ("redis", "rediss"):
        try:
            from taskiq_redis import RedisStreamBroker
        except ImportError as exc:  # the redis extra is not installed
            raise ConfigurationError(
                "LMS_BROKER_URL=redis://... needs the Redis broker: pip install 'lms-engine[redis]'"
            ) from exc
        idle_ms = max(int(settings.outbox_claim_seconds * 1000), 1000)
        return RedisStreamBroker(
            url,
            queue_name=STREAM,
            consumer_group_name=CONSUMER_GROUP,
            # A new group reads the tasks queued before any worker started.
            consumer_id="0",
            maxlen=STREAM_MAX_ENTRIES,
            xread_block=1000,
            xread_count=prefetch,
            idle_timeout=idle_ms,
            unacknowledged_lock_timeout=max(settings.outbox_claim_seconds, 1.0),
            socket_connect_timeout=5,
        )
    raise ConfigurationError(
        f"LMS_BROKER_URL: unsupported broker {scheme!r}; use redis://host:port/db or leave it empty"
    )


def register_delivery(broker: AsyncBroker, relay: OutboxRelay) -> AsyncTaskiqDecoratedTask[Any, Any]:
    """Register the one task of event delivery on `broker`, bound to this engine's relay (no module-level
    task registry: each engine's broker knows its own relay). A task delivers a batch of claimed events."""

    async def deliver_outbox_messages(message_ids: list[str], token: str) -> int:
        return await relay.deliver([UUID(message_id) for message_id in message_ids], UUID(token))

    return broker.register_task(deliver_outbox_messages, task_name=DELIVER_TASK)
