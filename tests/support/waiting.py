"""Waiting on a condition with a bounded deadline, never on a fixed time: a loaded machine only makes it slower."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable


def wait_until(condition: Callable[[], bool], *, within: float, what: str, interval: float = 0.05) -> None:
    """Poll `condition` until it holds; fail naming `what` if it still does not after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {within} s waiting for {what}")
        time.sleep(interval)


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], *, within: float, what: str, interval: float = 0.02
) -> None:
    """The event-loop form of `wait_until`: other tasks run while it waits; `condition` may be async."""
    deadline = time.monotonic() + within
    while True:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {within} s waiting for {what}")
        await asyncio.sleep(interval)
