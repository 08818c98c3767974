"""Keeping the cached catalogue exact: every course or lesson write drops it once the write is committed."""

from __future__ import annotations

from lms_core.courses.ports import CatalogueCache
from lms_core.shared.ports import Transaction


def invalidate_catalogue_after_commit(tx: Transaction, catalogue: CatalogueCache) -> None:
    """Invalidating after the commit, not before, so that no reader caches the state being replaced."""

    async def invalidate() -> None:
        await catalogue.invalidate_all()

    tx.after_commit(invalidate)
