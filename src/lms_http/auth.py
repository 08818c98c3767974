"""Request authentication: the bearer token becomes an `Actor` through the core."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from lms_core import Actor, Lms
from lms_core.auth.errors import InvalidToken
from lms_http.client_address import client_ip

# OpenAPI security requirement of the routes that need a signed-in user.
SIGNED_IN: list[dict[str, list[str]]] = [{"BearerAuth": []}]


def bearer_token(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise InvalidToken("sign in and send 'Authorization: Bearer <access token>'", code="auth.not_authenticated")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("the Authorization header must be 'Bearer <access token>'")
    return token.strip()


async def provide_actor(request: Request[Any, Any, Any], lms: NamedDependency[Lms]) -> Actor:
    """The signed-in caller; 401 problem when the token is missing, invalid, revoked or stale."""
    return await lms.auth.authenticate(bearer_token(request), client_ip=client_ip(request))


async def provide_optional_actor(request: Request[Any, Any, Any], lms: NamedDependency[Lms]) -> Actor:
    """The signed-in caller when a token is sent (a bad token is still a 401), else an anonymous one."""
    if "authorization" not in request.headers:
        return Actor.anonymous(client_ip(request))
    return await provide_actor(request, lms)


async def provide_anonymous_actor(request: Request[Any, Any, Any]) -> Actor:
    return Actor.anonymous(client_ip(request))
