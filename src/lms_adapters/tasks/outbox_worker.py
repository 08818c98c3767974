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

    def kick(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="lms-outbox-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            self._wake.clear()
            try:
                while await self._relay.run_once() > 0:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox delivery round failed; retrying on the next round")
