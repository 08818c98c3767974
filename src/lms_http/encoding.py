"""Re-using the JSON of views that the core hands out again unchanged (cached catalogue pages)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import msgspec
from litestar import Response
from litestar.enums import MediaType


class EncodedViews:
    """Remembers the encoded JSON of recently returned view objects, by identity.

    The catalogue cache returns the very same page object until a course write invalidates it, so
    encoding it once is enough. Entries hold the object itself, so an id is never reused by another
    object while it is remembered; a new page (after an invalidation) is a new object and a miss.
    """

    def __init__(self, *, max_entries: int = 512) -> None:
        self._entries: OrderedDict[int, tuple[object, bytes]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def response(self, view: object) -> Response[Any]:
        key = id(view)
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] is not view:
            body = msgspec.json.encode(view)
            with self._lock:
                self._entries[key] = (view, body)
                if len(self._entries) > self._max:
                    self._entries.popitem(last=False)
        else:
            body = entry[1]
        return Response(content=body, media_type=MediaType.JSON)
