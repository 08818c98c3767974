"""Health endpoints for load balancers and orchestrators (outside `/api/v1`, not in the API document).

- `/health/live`: the process answers; no dependency is asked (a restart would not fix a database).
- `/health/ready`: the database answers, and Redis when `LMS_REDIS_URL` is set; otherwise 503
  problem+json naming the failing components, with `Retry-After`.
- `/health`: the same as `/health/ready`, so that a check configured before the split tells the truth.
"""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from lms_core import Lms
from lms_core.shared.health import Health


@get("/health/live", include_in_schema=False)
async def live(lms: NamedDependency[Lms]) -> Health:
    return await lms.health.live()


@get("/health/ready", include_in_schema=False)
async def ready(lms: NamedDependency[Lms]) -> Health:
    return await lms.health.ready()


@get("/health", include_in_schema=False)
async def health(lms: NamedDependency[Lms]) -> Health:
    return await lms.health.ready()


HEALTH_ROUTES = [live, ready, health]
