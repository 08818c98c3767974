"""`lms worker`: runs the delivery tasks a server's relay queued on the broker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import msgspec

from lms_adapters.settings import ConfigurationError, Settings
from lms_adapters.tasks.brokers import build_broker, register_delivery, uses_external_broker
from lms_adapters.tasks.jobs import register_jobs

log = logging.getLogger("lms.worker")


async def run_worker(
    settings: Settings,
    *,
    concurrency: int,
    stop: asyncio.Event,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Take delivery tasks from the broker and run them, `concurrency` at a time, until `stop` is set; then
    finish the tasks already started (for up to a claim's length) and return.

    A task killed half-way is not lost: the broker hands an unacknowledged task to another worker, and the
    outbox keeps the event until its handlers have run (see `lms_core.shared.outbox`).
    """
    if not uses_external_broker(settings):
        raise ConfigurationError(
            "lms worker needs LMS_BROKER_URL (redis://host:port/db); without a broker, `lms serve` and embedding "
            "applications deliver events in their own process"
        )
    from taskiq.receiver import Receiver

    from lms_adapters.bootstrap import open_lms

    # A worker only runs tasks; relaying is the servers' job.
    settings = msgspec.structs.replace(settings, outbox_worker=False)
    async with open_lms(settings) as lms:
        broker = build_broker(settings, prefetch=concurrency)
        register_delivery(broker, lms.outbox)
        register_jobs(broker, lms)  # sent by `lms scheduler`
        broker.is_worker_process = True
        await broker.startup()
        try:
            receiver = Receiver(
                broker,
                max_async_tasks=concurrency,
                max_prefetch=0,
                run_startup=False,
                wait_tasks_timeout=settings.outbox_claim_seconds,
            )
            log.info("lms worker ready: %d task(s) at a time from %s", concurrency, _without_password(settings))
            if on_ready is not None:
                on_ready()
            await receiver.listen(stop)
        finally:
            await broker.shutdown()


def _without_password(settings: Settings) -> str:
    url = settings.broker_url or ""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{'***@' if at else ''}{host}" if credentials or at else url
