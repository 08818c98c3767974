"""Health probes of the engine's dependencies, for `lms_core.shared.health.HealthService`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_adapters.persistence.engine import WRITE_OPTION


class DatabaseProbe:
    """The database answers a trivial query on a connection of the engine's pool."""

    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> None:
        async with self._engine.connect() as connection:
            # A reader: on SQLite the probe must not queue behind writers for the writer lock.
            await connection.execution_options(**{WRITE_OPTION: False})
            await connection.execute(text("SELECT 1"))


class RedisProbe:
    """Redis answers PING."""

    name = "redis"

    def __init__(self, client: Any) -> None:
        self._client = client

    async def check(self) -> None:
        await self._client.ping()
