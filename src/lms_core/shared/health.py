"""Whether the engine can serve: liveness (the process answers) and readiness (its dependencies answer).

Load balancers and orchestrators ask these; the probes of the dependencies (database, Redis) are
adapters behind the `HealthProbe` port, given by the composition root.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import msgspec

from lms_core.shared.errors import ServiceUnavailableError
from lms_core.shared.ports import HealthProbe

# A dependency slower than this to answer a trivial request is not ready to serve requests either.
PROBE_TIMEOUT_SECONDS = 3.0


class Health(msgspec.Struct, frozen=True, kw_only=True):
    """`ok`, and the dependencies that were checked (empty for liveness)."""

    status: str = "ok"
    checked: list[str] = []


class HealthService:
    """Liveness and readiness.

    - `live()` checks nothing beyond the process answering: restarting it would not help a dependency.
    - `ready()` asks every probe at once, each within `PROBE_TIMEOUT_SECONDS`; if any fails it raises
      `ServiceUnavailableError` naming the failing components (and why, without secrets).
    """

    def __init__(self, *, probes: Sequence[HealthProbe]) -> None:
        self._probes = tuple(probes)

    async def live(self) -> Health:
        return Health()

    async def ready(self) -> Health:
        results = await asyncio.gather(*(self._ask(probe) for probe in self._probes))
        failing = {probe.name: problem for probe, problem in zip(self._probes, results, strict=True) if problem}
        if failing:
            raise ServiceUnavailableError(
                f"not ready: {', '.join(sorted(failing))} unavailable", details={"components": failing}
            )
        return Health(checked=[probe.name for probe in self._probes])

    async def _ask(self, probe: HealthProbe) -> str | None:
        """None when the component answered; otherwise what went wrong, in a few words."""
        try:
            await asyncio.wait_for(probe.check(), PROBE_TIMEOUT_SECONDS)
        except TimeoutError:
            return f"no answer within {PROBE_TIMEOUT_SECONDS:g} s"
        except Exception as exc:  # any failure means "not ready"; the reason is reported, not raised
            return type(exc).__name__
        return None
