from __future__ import annotations

from tests.support.certificates import settings, storage_dir

__all__ = ["settings", "storage_dir"]
