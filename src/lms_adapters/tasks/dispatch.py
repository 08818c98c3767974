"""The relay loop: claims committed outbox events and sends them to the broker as delivery tasks, in batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from lms_core.shared.outbox import OutboxRelay

if TYPE_CHECKING:
    from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask

log = logging.getLogger("lms.outbox")

# A queued event's claim is extended for at most this long. A task the broker lost (a Redis that restarted
# without persistence) then shows up again: its claim lapses and the event is claimed and queued afresh.
MAX_QUEUED_SECONDS = 900.0
# A task carries at most this many events. Under load, batches make the relay fast (a task costs a broker
# message and two transactions however many events it carries); with few events due, each goes in a task
# of its own so that slow handlers (a mail server, a webhook receiver) still run side by side.
MAX_EVENTS_PER_TASK = 50
SPREAD_OVER_TASKS = 8
# Woken by a commit, the loop waits this long before it claims, so that the events of the requests
# committing meanwhile go out in the same claim: requests then share one claim and one round of tasks
# instead of each paying for its own, at the price of a few milliseconds of delay for the first event.
GATHER_SECONDS = 0.025


class OutboxDispatcher:
    """Runs in the server (or the embedding application): whenever a transaction wrote to the outbox, and
    every `poll_seconds` anyway (retries come due, other processes write events), it claims the due events
    and sends them, by id, to the broker: spread over up to `SPREAD_OVER_TASKS` tasks, each of at most
    `MAX_EVENTS_PER_TASK` events (`task_batches`).

    With the in-memory broker the tasks run here, at most `batch_size` at a time. With a real broker they
    run in `lms worker` processes, and this loop keeps their claims alive while they wait in the queue. When
    the broker cannot be reached, the claimed events are released (no attempt counted), stay in the outbox,
    and are sent on a later round: the request that recorded them has long succeeded.
    """

    def __init__(
        self,
        relay: OutboxRelay,
        broker: AsyncBroker,
        task: AsyncTaskiqDecoratedTask[Any, Any],
        *,
        poll_seconds: float = 2.0,
        batch_size: int = 500,
        runs_tasks_here: bool = False,
    ) -> None:
        self._relay = relay
        self._broker = broker
        self._task = task
        self._poll = poll_seconds
        self._batch = batch_size
        self._runs_here = runs_tasks_here
        self._queued: dict[UUID, float] = {}  # claim token -> when it was queued (monotonic)
        self._extended_at = 0.0
        self._broker_down = False
        self._wake = asyncio.Event()
        self._task_handle: asyncio.Task[None] | None = None
        self._stopping = False

    def kick(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task_handle is None:
            self._stopping = False
            self._task_handle = asyncio.create_task(self._run(), name="lms-outbox-dispatcher")

    async def stop(self) -> None:
        if self._task_handle is not None:
            self._stopping = True
            self._task_handle.cancel()
            try:
                await self._task_handle
            except asyncio.CancelledError:
                # The loop's own cancellation is expected; the caller's is not ours to swallow.
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
            self._task_handle = None
        if self._runs_here:
            await self._wait_for_local_tasks()

    async def _run(self) -> None:
        # `asyncio.timeout`, not `wait_for`: on Python 3.11, `wait_for` drops a cancellation that arrives as
        # the wake-up completes (an event recorded just before the engine closes), and the stop never ends.
        # The flag ends the loop even if a cancellation is lost some other way.
        while not self._stopping:
            woken = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._next_wait()):
                    woken = await self._wake.wait()
            if woken:
                await asyncio.sleep(GATHER_SECONDS)
            self._wake.clear()
            try:
                await self._keep_claims()
                while await self.dispatch_once() > 0:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox dispatch round failed; retrying on the next round")

    def _next_wait(self) -> float:
        if self._queued:
            return min(self._poll, self._relay.rules.claim_seconds / 3)
        return self._poll

    async def dispatch_once(self) -> int:
        """Claim one batch of due events and queue a task for each; how many were queued."""
        token, ids = await self._relay.claim_for_dispatch(self._batch)
        if not ids:
            return 0
        try:
            await asyncio.gather(
                *(self._task.kiq([str(message_id) for message_id in chunk], str(token)) for chunk in task_batches(ids))
            )
        except Exception as exc:
            # Tasks that did get queued find their claim gone and do nothing; all of them go out again later.
            if not self._broker_down:
                log.warning("the task broker cannot be reached (%s); events stay in the outbox until it is back", exc)
            self._broker_down = True
            await self._relay.release(token, retry_in=timedelta(seconds=self._poll))
            return 0
        if self._broker_down:
            log.warning("the task broker is reachable again; queued %d waiting event(s)", len(ids))
            self._broker_down = False
        if self._runs_here:
            await self._wait_for_local_tasks()
        else:
            self._queued[token] = time.monotonic()
        return len(ids)

    async def _keep_claims(self) -> None:
        now = time.monotonic()
        if not self._queued or now - self._extended_at < self._relay.rules.claim_seconds / 3:
            return
        self._extended_at = now
        for token, since in list(self._queued.items()):
            if now - since > MAX_QUEUED_SECONDS:
                del self._queued[token]
        live = await self._relay.extend_claims(list(self._queued))
        for token in list(self._queued):
            if token not in live:  # every event of that batch was taken by a worker (or is done)
                del self._queued[token]

    async def _wait_for_local_tasks(self) -> None:
        wait_all = getattr(self._broker, "wait_all", None)
        if wait_all is not None:
            # Shielded: the in-memory broker's `wait_all` awaits each task, and cancelling it (the loop being
            # stopped) would cancel the delivery it waits on, half-way through its batch. `stop` waits for
            # the tasks again, uncancelled, before the engine closes.
            await asyncio.shield(wait_all())


def task_batches(ids: list[UUID]) -> list[list[UUID]]:
    """`ids` cut into consecutive tasks: as many as `SPREAD_OVER_TASKS` while that keeps each under
    `MAX_EVENTS_PER_TASK` events, more once it does not."""
    size = min(max(-(-len(ids) // SPREAD_OVER_TASKS), 1), MAX_EVENTS_PER_TASK)
    return [ids[start : start + size] for start in range(0, len(ids), size)]
