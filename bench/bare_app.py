"""The floor: a bare Litestar app with one small JSON endpoint, served like the real API.

`GET /hello` answers a small msgspec struct, so the figure is what Litestar and the ASGI server cost per
request with no dependency injection, no authentication and no storage. `POST /echo` reads the whole
request body and answers its size: the floor for endpoints that take a body (the payment webhooks). Served as
`granian --interface asgi --factory bench.bare_app:create_app` (or uvicorn), like `lms serve`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar, Request, get, post


class Greeting(msgspec.Struct, frozen=True):
    message: str
    status: str


class Received(msgspec.Struct, frozen=True):
    received: bool
    size: int


HELLO = Greeting(message="hello", status="ok")


@get("/hello")
async def hello() -> Greeting:
    return HELLO


@post("/echo", status_code=200)
async def echo(request: Request[Any, Any, Any]) -> Received:
    return Received(received=True, size=len(await request.body()))


def create_app() -> Litestar:
    return Litestar(route_handlers=[hello, echo])


app = create_app()
