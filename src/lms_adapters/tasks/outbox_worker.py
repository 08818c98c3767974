"""An in-process loop that delivers outbox events soon after they are committed."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from lms_core.shared.outbox import OutboxRelay

log = logging.getLogger("lms.outbox")


class OutboxWorker:
    """Runs `OutboxRelay.run_once` whenever a transaction wrote to the outbox, and every
    `poll_seconds` anyway (to pick up retries and events written by other processes)."""

    def __init__(self, relay: OutboxRelay, *, poll_seconds: float = 2.0) -> None:
        self._relay = relay
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def kick(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="lms-outbox-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping = True
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                # The worker's own cancellation is expected; the caller's is not ours to swallow.
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
            self._task = None

    async def _run(self) -> None:
        # `asyncio.timeout`, not `wait_for`: on Python 3.11, `wait_for` drops a cancellation that arrives as
        # the wake-up completes (an event recorded just before the engine closes), and the stop never ends.
        # The flag ends the loop even if a cancellation is lost some other way.
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()
            self._wake.clear()
            try:
                while await self._relay.run_once() > 0:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox delivery round failed; retrying on the next round")
