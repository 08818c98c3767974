"""Re-using the JSON of views that the core hands out again unchanged (cached catalogue pages)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import msgspec
from litestar import Response
from litestar.enums import MediaType

from lms_http.conditional import headers_only, none_match_fails, weak_etag


class EncodedViews:
    """Remembers the encoded JSON of recently returned view objects, by identity.

    The catalogue cache returns the very same page object until a course write invalidates it, so
    encoding it once is enough, and so is hashing it into its ETag. Entries hold the object itself, so
    an id is never reused by another object while it is remembered; a new page (after an invalidation)
    is a new object and a miss.
    """

    def __init__(self, *, max_entries: int = 512) -> None:
        self._entries: OrderedDict[int, tuple[object, bytes, str]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def response(
        self, view: object, *, if_none_match: str | None = None, cache_control: str | None = None
    ) -> Response[Any]:
        """The view as JSON with a weak ETag, or 304 when `If-None-Match` names that tag. `cache_control`
        is for views that are the same for everyone (the public catalogue)."""
        key = id(view)
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] is not view:
            body = msgspec.json.encode(view)
            etag = weak_etag(body)
            with self._lock:
                self._entries[key] = (view, body, etag)
                if len(self._entries) > self._max:
                    self._entries.popitem(last=False)
        else:
            body, etag = entry[1], entry[2]
        headers = {"ETag": etag}
        if cache_control is not None:
            headers["Cache-Control"] = cache_control
        if none_match_fails(if_none_match, etag):
            return headers_only(headers, 304)
        return Response(content=body, media_type=MediaType.JSON, headers=headers)
