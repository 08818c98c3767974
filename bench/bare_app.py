"""The floor: a bare Litestar app with one small JSON endpoint, served like the real API.

`GET /hello` answers a small msgspec struct, so the figure is what Litestar and the ASGI server cost per
request with no dependency injection, no authentication and no storage. Served as
`granian --interface asgi --factory bench.bare_app:create_app` (or uvicorn), like `lms serve`.
"""

from __future__ import annotations

import msgspec
from litestar import Litestar, get


class Greeting(msgspec.Struct, frozen=True):
    message: str
    status: str


HELLO = Greeting(message="hello", status="ok")


@get("/hello")
async def hello() -> Greeting:
    return HELLO


def create_app() -> Litestar:
    return Litestar(route_handlers=[hello])


app = create_app()
