"""A deadline on each read of a request body.

Granian bounds the time to read a request's headers (`lms serve` sets it) but not its body: a client that
sends its headers and then one byte of a long body would hold the connection and the handler for as long
as it likes. This middleware gives every read of the body `timeout` seconds; a read that gets nothing in
time ends the request with 408 problem+json and `Connection: close`. Like nginx's `client_body_timeout`, it
bounds the pause between two pieces of a body, not the whole upload, so that a large file on a slow but
live connection still arrives.
"""

from __future__ import annotations

import asyncio

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

# Requests without a body: their `receive` is left alone (the hot read paths pay nothing).
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyReadTimeout(HTTPException):
    status_code = 408

    def __init__(self, timeout: float) -> None:
        super().__init__(
            detail=f"the request body did not arrive in time (no data for {timeout:g} s)",
            headers={"Connection": "close"},
        )


class BodyTimeoutMiddleware(ASGIMiddleware):
    """Each body read gets `timeout` seconds (see the module's docstring)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] in _BODILESS:
            await next_app(scope, receive, send)
            return
        timeout = self.timeout
        body_done = False

        async def receive_in_time() -> ReceiveMessage:
            nonlocal body_done
            if body_done:
                # After the body, `receive` only ever says the client left: waiting for it is no stall.
                return await receive()
            try:
                async with asyncio.timeout(timeout):
                    message = await receive()
            except TimeoutError:
                raise BodyReadTimeout(timeout) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        await next_app(scope, receive_in_time, send)
